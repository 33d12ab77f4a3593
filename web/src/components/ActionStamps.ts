// The action stamp screens as one chunk (components/lazy.ts): the card and the creation
// dialog share their rules (util/actions.ts) and styles.
export { ActionCard } from './ActionCard';
export { ActionDialog } from './ActionDialog';
