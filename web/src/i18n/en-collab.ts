// English of ja-collab.ts (stamps, reactions, pins), merged into en.ts.
import type { CollabTexts } from './ja-collab';

const enCollab: CollabTexts = {
  stampRecent: 'Recently used stickers',
  stampAll: 'All stickers',
  stampPickerHint: 'Choose with the arrow keys, send with Enter',
  reactionPick: 'Choose a reaction',
  reactionQuick: 'Frequent reactions',
  reactionMore: 'Choose from the stickers',
  reactionsOf: 'Reactions',
  reactionChip: '{what} {n}',
  reactionChipMine: '{what} {n} (including you)',
  reactedBy: 'Reacted with {what}',
  reactedOthers: 'and {n} more',
  reactedMore: 'Show more',
  reactionFailed: 'Could not react. {msg}',
  pinnedBar: 'Pinned',
  pinnedN: '{n} pinned',
  pinsShow: 'Show all pinned items',
  pinsHide: 'Close the pinned items',
  pinnedNote: 'Note "{title}"',
  pinnedBy: 'Pinned by {name}',
  pinnedDeleted: '(cannot be shown)',
  pinLimit: 'A chat can have at most 20 pinned items.',
  pinnedNotFound: 'This message was not found (deleted, or too far back).',
};

export default enCollab;
