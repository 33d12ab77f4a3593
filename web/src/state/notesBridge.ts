// Where other screens open a note of the open room (the pinned bar): the notes screen
// (branch i21-webnotes) puts its opening here. Until then it does nothing.
export function openNote(_id: number): void {}
