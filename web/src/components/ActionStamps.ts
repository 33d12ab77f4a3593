// The action stamp screens as one chunk (components/lazy.ts): the card and the creation
// dialog share their rules (util/actions.ts) and styles; 確認必須's card shares them too.
export { Ack } from './AckCard';
export { ActionCard } from './ActionCard';
export { ActionDialog } from './ActionDialog';
