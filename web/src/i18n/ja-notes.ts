// Japanese texts of notes (ノート: the list, the rendered view, the editor, versions, conflicts):
// loaded with the notes screens (i18n/index.ts loadNoteTexts), so they are not part of the
// initial load. en-notes.ts has their English, loaded only when English is in use.
const jaNotes = {
  noteChecked: '完了',
  noteUnchecked: '未完了',
};

export type NoteTexts = typeof jaNotes;
export default jaNotes;
