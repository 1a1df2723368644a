import type { DoubleState } from '../double-state.ts';

/** A Deck board (`deck_boards`); the double has no sharing, so only the owner has permissions. */
export interface DeckBoard {
  id: number;
  title: string;
  owner: string;
  color: string;
  archived: boolean;
  /** Seconds; 0 while not deleted. */
  deletedAt: number;
  lastModified: number;
}

/** A label of a board (`deck_labels`). */
export interface DeckLabel {
  id: number;
  boardId: number;
  title: string;
  color: string;
  lastModified: number;
}

/** A stack (list) of a board (`deck_stacks`). */
export interface DeckStack {
  id: number;
  boardId: number;
  title: string;
  order: number;
  deletedAt: number;
  lastModified: number;
}

/** A card of a stack (`deck_cards`). */
export interface DeckCard {
  id: number;
  stackId: number;
  title: string;
  description: string;
  descriptionPrev: string | null;
  color: string | null;
  type: string;
  order: number;
  owner: string;
  lastEditor: string | null;
  createdAt: number;
  lastModified: number;
  archived: boolean;
  /** ISO 8601 (`DateTime::format('c')`) or null. */
  done: string | null;
  duedate: string | null;
  startdate: string | null;
  deletedAt: number;
  labelIds: number[];
  assignedUsers: string[];
}

/**
 * Why Deck refuses a call: `ERR_DECK_FORBIDDEN` is its 403 "Permission denied" for missing and foreign
 * entities alike, `ERR_DECK_BAD_REQUEST` a validator's 400, `ERR_DECK_STATUS` a plain StatusException (500
 * with its message) and `ERR_DECK_INTERNAL` any other exception (500 with the message hidden).
 */
export class DeckError extends Error {
  readonly code: 'ERR_DECK_FORBIDDEN' | 'ERR_DECK_BAD_REQUEST' | 'ERR_DECK_STATUS' | 'ERR_DECK_INTERNAL';
  /** The HTTP status Deck's ExceptionMiddleware answers. */
  readonly status: number;
  constructor(code: DeckError['code'], status: number, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeckError';
    this.code = code;
    this.status = status;
  }
}

/** `NoPermissionException`: 403 "Permission denied" (also for entities that do not exist, so nothing leaks). */
export const permissionDenied = (message = 'Permission denied'): DeckError => new DeckError('ERR_DECK_FORBIDDEN', 403, message);
/** `BadRequestException` of a validator rule. */
export const badRequest = (message: string): DeckError => new DeckError('ERR_DECK_BAD_REQUEST', 400, message);

/** The default labels a new board gets (`BoardService::create`). */
const DEFAULT_LABELS: readonly [string, string][] = [
  ['31CC7C', 'Finished'],
  ['317CCC', 'To review'],
  ['FF7A66', 'Action needed'],
  ['F1DB50', 'Later'],
];

/**
 * `BaseValidator::validate` for the rules Deck's services use: `not_empty` ("<field> must be provided and
 * must be not empty") and `max:N` ("<field> cannot be longer than N characters ", trailing space included).
 */
export function validate(field: string, value: string, max: number): void {
  if (value !== '0' && value.trim() === '') throw badRequest(`${field} must be provided and must be not empty`);
  if ([...value].length > max) throw badRequest(`${field} cannot be longer than ${max} characters `);
}

/** Deck's tables inside the double: ids increase across users, every entity belongs to one board. */
export class DeckStore {
  readonly boards = new Map<number, DeckBoard>();
  readonly labels = new Map<number, DeckLabel>();
  readonly stacks = new Map<number, DeckStack>();
  readonly cards = new Map<number, DeckCard>();
  private nextId = { board: 1, label: 1, stack: 1, card: 1 };

  constructor(private readonly state: DoubleState) {}

  /** Seconds since the epoch, Deck's `time()`. */
  now(): number {
    return Math.floor(this.state.now() / 1000);
  }

  /** `PermissionService::checkPermission` for the owner-only double: the board if `uid` may use it, else 403. */
  board(uid: string, boardId: number, allowDeleted = false): DeckBoard {
    const board = this.boards.get(boardId);
    if (!board || board.owner !== uid || (!allowDeleted && board.deletedAt > 0)) throw permissionDenied();
    return board;
  }

  /** The stack if its board is the user's, else 403. */
  stack(uid: string, stackId: number): DeckStack {
    const stack = this.stacks.get(stackId);
    if (!stack) throw permissionDenied();
    this.board(uid, stack.boardId);
    return stack;
  }

  /** The card if its board is the user's, else 403; a deleted card is 403 "Card is deleted" unless allowed. */
  card(uid: string, cardId: number, allowDeleted = false): DeckCard {
    const card = this.cards.get(cardId);
    if (!card) throw permissionDenied();
    this.stack(uid, card.stackId);
    if (!allowDeleted && card.deletedAt > 0) throw permissionDenied('Card is deleted');
    return card;
  }

  /** Boards of the user that are not deleted, changed after `since`. */
  boardsOf(uid: string, since = -1): DeckBoard[] {
    return [...this.boards.values()].filter((b) => b.owner === uid && b.deletedAt === 0 && b.lastModified > since);
  }

  labelsOf(boardId: number): DeckLabel[] {
    return [...this.labels.values()].filter((l) => l.boardId === boardId);
  }

  /** Stacks of a board that are not deleted, in id order (`StackMapper::findAll`). */
  stacksOf(boardId: number): DeckStack[] {
    return [...this.stacks.values()].filter((s) => s.boardId === boardId && s.deletedAt === 0);
  }

  /** Cards of a stack, not archived nor deleted, changed after `since`, by order and id (`CardMapper::findAll`). */
  cardsOf(stackId: number, since = -1): DeckCard[] {
    return [...this.cards.values()]
      .filter((c) => c.stackId === stackId && !c.archived && c.deletedAt === 0 && c.lastModified > since)
      .sort((a, b) => a.order - b.order || a.id - b.id);
  }

  /** Deck's `UserDeletedListener`: the boards a deleted user owned go with their stacks, cards and labels. */
  deleteUser(uid: string): void {
    for (const board of [...this.boards.values()].filter((b) => b.owner === uid)) {
      for (const stack of [...this.stacks.values()].filter((s) => s.boardId === board.id)) {
        for (const card of [...this.cards.values()].filter((c) => c.stackId === stack.id)) this.cards.delete(card.id);
        this.stacks.delete(stack.id);
      }
      for (const label of this.labelsOf(board.id)) this.labels.delete(label.id);
      this.boards.delete(board.id);
    }
  }

  /** `ChangeHelper::boardChanged`. */
  boardChanged(boardId: number): void {
    const board = this.boards.get(boardId);
    if (board) board.lastModified = this.now();
  }

  /** `ChangeHelper::cardChanged`: the card (unless told otherwise), its stack and its board change. */
  cardChanged(card: DeckCard, uid: string, updateCard = true): void {
    if (updateCard) {
      card.lastModified = this.now();
      card.lastEditor = uid;
    }
    const stack = this.stacks.get(card.stackId);
    if (stack) {
      stack.lastModified = this.now();
      this.boardChanged(stack.boardId);
    }
  }

  /** `BoardService::create`: the board with its four default labels (its `lastModified` stays 0 in the answer). */
  createBoard(uid: string, title: string, color: string): { board: DeckBoard; answerLastModified: number } {
    validate('title', title, 100);
    validate('color', color, 6);
    const board: DeckBoard = { id: this.nextId.board++, title, owner: uid, color, archived: false, deletedAt: 0, lastModified: 0 };
    this.boards.set(board.id, board);
    for (const [labelColor, labelTitle] of DEFAULT_LABELS) {
      const label: DeckLabel = { id: this.nextId.label++, boardId: board.id, title: labelTitle, color: labelColor, lastModified: this.now() };
      this.labels.set(label.id, label);
    }
    this.boardChanged(board.id);
    return { board, answerLastModified: 0 };
  }

  /** `StackService::create`. */
  createStack(uid: string, boardId: number, title: string, order: number): DeckStack {
    validate('title', title, 100);
    const board = this.board(uid, boardId);
    if (board.archived) throw new DeckError('ERR_DECK_STATUS', 500, 'Operation not allowed. This board is archived.');
    const stack: DeckStack = { id: this.nextId.stack++, boardId, title, order, deletedAt: 0, lastModified: 0 };
    this.stacks.set(stack.id, stack);
    this.boardChanged(boardId);
    return stack;
  }

  /** `CardService::create`: needs edit permission on the stack's board, which must not be archived. */
  createCard(uid: string, stackId: number, input: { title: string; type: string; order: number; description: string; duedate: string | null; startdate: string | null; color: string | null }): DeckCard {
    validate('title', input.title, 255);
    validate('type', input.type, 64);
    const stack = this.stack(uid, stackId);
    if (this.boards.get(stack.boardId)!.archived) throw new DeckError('ERR_DECK_STATUS', 500, 'Operation not allowed. This board is archived.');
    const now = this.now();
    const card: DeckCard = {
      id: this.nextId.card++,
      stackId,
      title: input.title,
      description: input.description,
      descriptionPrev: null,
      color: input.color,
      type: input.type,
      order: input.order,
      owner: uid,
      lastEditor: null,
      createdAt: now,
      lastModified: now,
      archived: false,
      done: null,
      duedate: input.duedate,
      startdate: input.startdate,
      deletedAt: 0,
      labelIds: [],
      assignedUsers: [],
    };
    this.cards.set(card.id, card);
    this.cardChanged(card, uid, false);
    return card;
  }
}

/** The DeckStore of a double. */
export function deckStore(state: DoubleState): DeckStore {
  return state.store('deck', () => new DeckStore(state));
}
