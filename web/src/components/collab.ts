// The components of stamps, reactions and pins: one lazily loaded chunk (lazy.ts).
import './collab.css';

export { PinnedBar } from './PinnedBar';
export { ReactionPicker } from './ReactionPicker';
export { Reactions } from './Reactions';
export { StampImg } from './StampImg';
export { StampPicker } from './StampPicker';
