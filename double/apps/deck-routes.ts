import { createHash, randomBytes } from 'node:crypto';
import type { Hono } from 'hono';
import type { DoubleState } from '../double-state.ts';
import type { DoubleContext, DoubleEnv } from '../request-context.ts';
import { accountStore } from './account-store.ts';
import { corsApiRoute, jsonAnswer, phpJson, preflightedCors, type ApiCall, type ControllerAnswer } from './app-framework.ts';
import { DeckError, deckStore, permissionDenied, validate, type DeckBoard, type DeckCard, type DeckLabel, type DeckStack, type DeckStore } from './deck-store.ts';
import type { ParameterError } from './request-params.ts';

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

/** Deck's `User` relational object of a user id. */
function userObject(state: DoubleState, uid: string): Record<string, unknown> {
  return { primaryKey: uid, uid, displayname: state.users.get(uid)?.displayName ?? uid, type: 0 };
}

function labelJson(label: DeckLabel, cardId: number | null = null): Record<string, unknown> {
  return { title: label.title, color: label.color, boardId: label.boardId, cardId, lastModified: label.lastModified, id: label.id, ETag: md5(String(label.lastModified)) };
}

/** The permissions of the owner-only double: the owner may do everything. */
const OWNER_PERMISSIONS = { PERMISSION_READ: true, PERMISSION_EDIT: true, PERMISSION_MANAGE: true, PERMISSION_SHARE: true };

/**
 * A board as Deck serialises it. `full` is `BoardService::find` (stacks without cards, users, settings);
 * the list answers `shared: 0` and leaves them empty.
 */
function boardJson(state: DeckStore, double: DoubleState, board: DeckBoard, options: { full: boolean; listed?: boolean; lastModified?: number }): Record<string, unknown> {
  const lastModified = options.lastModified ?? board.lastModified;
  return {
    title: board.title,
    owner: userObject(double, board.owner),
    color: board.color,
    archived: board.archived,
    labels: state.labelsOf(board.id).map((l) => labelJson(l)),
    acl: [],
    permissions: OWNER_PERMISSIONS,
    users: options.full ? [userObject(double, board.owner)] : [],
    ...(options.listed ? { shared: 0 } : {}),
    stacks: options.full ? state.stacksOf(board.id).map((s) => stackJson(s)) : [],
    activeSessions: [],
    deletedAt: board.deletedAt,
    lastModified,
    shareToken: null,
    externalId: null,
    settings: options.full ? { 'notify-due': 'assigned', calendar: true } : [],
    id: board.id,
    ETag: md5(String(lastModified)),
  };
}

/** A stack; `cards` only when there are some (`Stack::jsonSerialize`). */
function stackJson(stack: DeckStack, cards: Record<string, unknown>[] = []): Record<string, unknown> {
  return {
    title: stack.title,
    boardId: stack.boardId,
    deletedAt: stack.deletedAt,
    lastModified: stack.lastModified,
    ...(cards.length > 0 ? { cards } : {}),
    order: stack.order,
    isDoneColumn: false,
    id: stack.id,
    ETag: md5(String(stack.lastModified)),
  };
}

/** `CardDetails::getDueStatus`: 0 future, 1 due tomorrow, 2 due today, 3 overdue. */
function overdue(duedate: string | null, nowSeconds: number): number {
  if (!duedate) return 0;
  const day = (ms: number): number => Math.floor(ms / 86_400_000);
  const diff = day(Date.parse(duedate)) - day(nowSeconds * 1000);
  if (diff > 1) return 0;
  if (diff === 1) return 1;
  if (diff === 0) return 2;
  return 3;
}

/**
 * A card. `details` is `CardDetails` (with `overdue` and `referenceData`, without the internal fields);
 * `enriched` adds what `CardService::enrichCards` resolves (owner as a user object, labels, dependencies).
 * A card that was neither (the delete answer) is the raw entity.
 */
function cardJson(store: DeckStore, double: DoubleState, card: DeckCard, mode: 'enriched' | 'details' | 'raw'): Record<string, unknown> {
  const enriched = mode === 'enriched';
  const json: Record<string, unknown> = {
    title: card.title,
    description: card.description,
    color: card.color,
    ...(mode === 'raw' ? { descriptionPrev: card.descriptionPrev } : {}),
    stackId: card.stackId,
    type: card.type,
    lastModified: card.lastModified,
    lastEditor: card.lastEditor,
    createdAt: card.createdAt,
    labels: enriched ? card.labelIds.map((id) => store.labels.get(id)).filter((l) => l !== undefined).map((l) => labelJson(l, card.id)) : null,
    assignedUsers: mode === 'raw' ? null : [],
    attachments: [],
    attachmentCount: 0,
    owner: enriched ? userObject(double, card.owner) : card.owner,
    order: card.order,
    archived: card.archived,
    done: card.done,
    duedate: card.duedate,
    startdate: card.startdate,
    ...(mode === 'raw' ? { notified: false } : {}),
    deletedAt: card.deletedAt,
    commentsUnread: 0,
    commentsCount: 0,
    dependentCards: enriched ? [] : null,
    ...(mode === 'raw' ? { relatedStack: null, relatedBoard: null } : {}),
    id: card.id,
    ETag: md5(String(card.lastModified)),
  };
  if (mode !== 'raw') {
    json['overdue'] = overdue(card.duedate, store.now());
    json['referenceData'] = null;
  }
  return json;
}

/** A date as `DateTime::format('c')` writes it in UTC, or a 500 for text PHP's DateTime cannot read. */
function isoDate(value: string | null): string | null {
  if (value === null || value === '') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new DeckError('ERR_DECK_INTERNAL', 500, `Failed to parse time string (${value})`);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The route ids of the path, as `getParam` passes them to typed PHP arguments (a non-number is a TypeError). */
function id(call: ApiCall, name: string): number {
  const raw = call.params.string(name);
  if (!/^\s*[+-]?\d+(\.\d+)?\s*$/.test(raw)) throw new DeckError('ERR_DECK_INTERNAL', 500, `Argument #1 ($${name}) must be of type int, string given`);
  return Math.trunc(Number(raw));
}

/** ExceptionMiddleware's answer to anything unexpected: 500 with the request id, the message hidden outside debug mode. */
function internalError(c: DoubleContext): Response {
  const requestId = randomBytes(10).toString('base64url');
  return jsonAnswer(c, { status: 500, message: `Internal server error: Please contact the server administrator if this error reappears multiple times, please include the request ID "${requestId}" below in your report.`, requestId }, { status: 500, cors: true });
}

/** Deck's ExceptionMiddleware for the API: `StatusException`s as `{status, message}`, others as 500. */
async function deckAnswer(c: DoubleContext, respond: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await respond();
  } catch (error) {
    if (error instanceof DeckError) {
      if (error.code === 'ERR_DECK_INTERNAL') return internalError(c);
      return jsonAnswer(c, { status: error.status, message: error.message }, { status: error.status, cors: true });
    }
    throw error;
  }
}

/** A parsed `If-Modified-Since` (Sabre's `parseDate`), or a 500 StatusException for an invalid one. */
function ifModifiedSince(c: DoubleContext): number {
  const header = c.req.header('if-modified-since') ?? '';
  if (header === '') return -1;
  const ms = Date.parse(header);
  if (Number.isNaN(ms)) throw new DeckError('ERR_DECK_STATUS', 500, 'Invalid If-Modified-Since header provided.');
  return Math.floor(ms / 1000);
}

/** The Deck API v1.0/v1.1 (`BoardApiController`, `StackApiController`, `CardApiController`, all `@CORS`). */
export function registerDeckRoutes(app: Hono<DoubleEnv>, state: DoubleState): void {
  const store = deckStore(state);
  const base = '/apps/deck/api/:apiVersion{v1\\.[01]}';
  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, handler: (call: ApiCall) => Response): void =>
    corsApiRoute(
      app,
      state,
      'deck',
      method,
      `${base}${path}`,
      (call) => {
        accountStore(state).touchLogin(call.user);
        return deckAnswer(call.c, () => handler(call));
      },
      (c: DoubleContext, _error: ParameterError) => internalError(c),
    );
  const answer = (c: DoubleContext, data: unknown, extra: ControllerAnswer = {}): Response => jsonAnswer(c, data, { ...extra, cors: true });

  // Boards.
  route('GET', '/boards', ({ c, user, params }) => {
    const details = params.bool('details', false);
    const since = ifModifiedSince(c);
    const boards = store.boardsOf(user.uid, since === -1 ? 0 : since);
    const etag = md5(phpJson(boards.map((b) => `${b.id}-${md5(String(b.lastModified))}`)));
    return answer(c, boards.map((b) => boardJson(store, state, b, { full: details, listed: true })), { etag });
  });

  route('POST', '/boards', ({ c, user, params }) => {
    const { board, answerLastModified } = store.createBoard(user.uid, params.string('title'), params.string('color'));
    return answer(c, boardJson(store, state, board, { full: false, lastModified: answerLastModified }));
  });

  route('GET', '/boards/:boardId', (call) => {
    const board = store.board(call.user.uid, id(call, 'boardId'));
    return answer(call.c, boardJson(store, state, board, { full: true }), { etag: md5(String(board.lastModified)) });
  });

  route('PUT', '/boards/:boardId', (call) => {
    const title = call.params.string('title');
    const color = call.params.string('color');
    const archived = call.params.bool('archived', false);
    validate('title', title, 100);
    validate('color', color, 6);
    const board = store.board(call.user.uid, id(call, 'boardId'));
    Object.assign(board, { title, color, archived });
    const answered = boardJson(store, state, board, { full: true });
    store.boardChanged(board.id);
    return answer(call.c, answered);
  });

  route('DELETE', '/boards/:boardId', (call) => {
    const board = store.board(call.user.uid, id(call, 'boardId'));
    board.deletedAt = store.now();
    const answered = boardJson(store, state, board, { full: true });
    store.boardChanged(board.id);
    return answer(call.c, answered);
  });

  // Stacks.
  const stackWithCards = (stack: DeckStack, since = -1): Record<string, unknown> =>
    stackJson(stack, store.cardsOf(stack.id, since).map((card) => cardJson(store, state, card, 'enriched')));

  route('GET', '/boards/:boardId/stacks', (call) => {
    const since = ifModifiedSince(call.c);
    const board = store.board(call.user.uid, id(call, 'boardId'));
    return answer(call.c, store.stacksOf(board.id).map((s) => stackWithCards(s, since === -1 ? 0 : since)));
  });

  route('GET', '/boards/:boardId/stacks/archived', (call) => {
    const board = store.board(call.user.uid, id(call, 'boardId'));
    return answer(
      call.c,
      store.stacksOf(board.id).map((s) => stackJson(s, [...store.cards.values()].filter((card) => card.stackId === s.id && card.archived && card.deletedAt === 0).map((card) => cardJson(store, state, card, 'enriched')))),
    );
  });

  route('GET', '/boards/:boardId/stacks/:stackId', (call) => {
    const stack = store.stack(call.user.uid, id(call, 'stackId'));
    const json = stackJson(stack, store.cardsOf(stack.id).map((card) => cardJson(store, state, card, 'details')));
    return answer(call.c, json, { etag: md5(String(stack.lastModified)) });
  });

  route('POST', '/boards/:boardId/stacks', (call) => {
    const title = call.params.string('title');
    const order = call.params.int('order');
    const stack = store.createStack(call.user.uid, id(call, 'boardId'), title, order);
    return answer(call.c, stackJson(stack));
  });

  route('PUT', '/boards/:boardId/stacks/:stackId', (call) => {
    const title = call.params.string('title');
    const order = call.params.int('order');
    validate('title', title, 100);
    const stack = store.stack(call.user.uid, id(call, 'stackId'));
    const board = store.board(call.user.uid, id(call, 'boardId'));
    if (store.boards.get(stack.boardId)!.archived) throw new DeckError('ERR_DECK_STATUS', 500, 'Operation not allowed. This board is archived.');
    Object.assign(stack, { title, order, boardId: board.id, deletedAt: 0 });
    store.boardChanged(board.id);
    return answer(call.c, stackJson(stack));
  });

  route('DELETE', '/boards/:boardId/stacks/:stackId', (call) => {
    const stack = store.stack(call.user.uid, id(call, 'stackId'));
    stack.deletedAt = store.now();
    store.boardChanged(stack.boardId);
    return answer(call.c, stackWithCards(stack));
  });

  // Cards.
  route('GET', '/boards/:boardId/stacks/:stackId/cards/:cardId', (call) => {
    const card = store.card(call.user.uid, id(call, 'cardId'));
    return answer(call.c, cardJson(store, state, card, 'enriched'), { etag: md5(String(card.lastModified)) });
  });

  route('POST', '/boards/:boardId/stacks/:stackId/cards', (call) => {
    const { params } = call;
    const title = params.string('title');
    const card = store.createCard(call.user.uid, id(call, 'stackId'), {
      title,
      type: params.string('type', 'plain'),
      order: params.int('order', 999),
      description: params.string('description', ''),
      duedate: isoDate(params.string('duedate', null)),
      startdate: isoDate(params.string('startdate', null)),
      color: params.string('color', null),
    });
    // The answer is the card as created; labels given with it are assigned afterwards.
    const answered = cardJson(store, state, card, 'enriched');
    const board = store.stacks.get(card.stackId)!.boardId;
    for (const labelId of Object.values(params.array('labels')).map(Number)) {
      const label = store.labels.get(labelId);
      if (!label || label.boardId !== board) throw permissionDenied();
      if (!card.labelIds.includes(labelId)) card.labelIds.push(labelId);
      store.cardChanged(card, call.user.uid);
    }
    return answer(call.c, answered);
  });

  route('PUT', '/boards/:boardId/stacks/:stackId/cards/:cardId', (call) => {
    const { params, user } = call;
    const title = params.string('title');
    const type = params.string('type');
    const owner = params.string('owner');
    const description = params.string('description', '');
    const order = params.int('order', 0);
    const cardId = id(call, 'cardId');
    const stackId = id(call, 'stackId');
    validate('title', title, 255);
    validate('type', type, 64);
    validate('owner', owner, 64);
    const card = store.card(user.uid, cardId, true);
    store.stack(user.uid, stackId);
    if (store.boards.get(store.stacks.get(card.stackId)!.boardId)!.archived) throw new DeckError('ERR_DECK_STATUS', 500, 'Operation not allowed. This board is archived.');
    const archived = params.bool('archived', null);
    if (archived === true && card.archived) throw new DeckError('ERR_DECK_STATUS', 500, 'Operation not allowed. This card is archived.');
    if (card.deletedAt !== 0) throw permissionDenied('Operation not allowed. This card was deleted.');
    if (card.lastEditor !== user.uid && card.lastEditor !== null) {
      card.descriptionPrev = card.description;
      card.lastEditor = user.uid;
    }
    Object.assign(card, {
      title,
      stackId,
      type,
      order,
      duedate: isoDate(params.string('duedate', null)),
      startdate: isoDate(params.string('startdate', null)),
      done: params.has('done') ? isoDate(params.string('done', null)) : null,
    });
    if (params.has('color')) {
      const color = params.string('color', null);
      card.color = color === null || color === '' ? null : color;
    }
    if (archived !== null) card.archived = archived;
    card.descriptionPrev ??= card.description;
    card.description = description;
    store.cardChanged(card, user.uid);
    return answer(call.c, cardJson(store, state, card, 'enriched'));
  });

  route('DELETE', '/boards/:boardId/stacks/:stackId/cards/:cardId', (call) => {
    const card = store.card(call.user.uid, id(call, 'cardId'));
    if (store.boards.get(store.stacks.get(card.stackId)!.boardId)!.archived) throw new DeckError('ERR_DECK_STATUS', 500, 'Operation not allowed. This board is archived.');
    card.deletedAt = store.now();
    store.cardChanged(card, call.user.uid, false);
    return answer(call.c, cardJson(store, state, card, 'raw'));
  });

  // board_api#preflighted_cors.
  app.options(`${base}/*`, (c, next) => (state.isEnabled('deck') ? preflightedCors(c) : next()));
}
