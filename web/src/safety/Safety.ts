// The 安否確認 screens as one lazy chunk (components/lazy.ts): the banner with its answer
// sheet (for targets) and the managers' list and dashboard share their parts and styles.
export { SafetyBanner } from './SafetyBanner';
export { SafetyView } from './SafetyView';
export { AnswerOnly } from './AnswerOnly';
export { answers } from './answers';
