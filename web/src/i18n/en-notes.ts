// English of i18n/ja-notes.ts (loaded with it while English is in use).
import type { NoteTexts } from './ja-notes';

const enNotes: NoteTexts = {
  noteChecked: 'Done',
  noteUnchecked: 'Not done',
};

export default enNotes;
