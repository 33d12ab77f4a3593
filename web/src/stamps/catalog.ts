// The stamp catalog, mirroring the server's (src/core/stamps.cc: same ids, order and words;
// catalog.test.ts compares them). The pictures are files, public/stamps/<id>.svg, served as
// they are and precached by the service worker: none of them is in the first-load bundle.

export interface StampDef {
  id: string;
  /** The words on the stamp, also its text in replies and notifications. */
  ja: string;
  en: string;
}

export const STAMPS: readonly StampDef[] = [
  { id: 'ryokai', ja: '了解しました', en: 'Got it' },
  { id: 'shochi', ja: '承知しました', en: 'Understood' },
  { id: 'arigato', ja: 'ありがとうございます', en: 'Thank you' },
  { id: 'otsukare', ja: 'お疲れさまです', en: 'Thanks for your work' },
  { id: 'yoroshiku', ja: 'よろしくお願いします', en: 'Thank you in advance' },
  { id: 'kakunin_shimasu', ja: '確認します', en: "I'll check" },
  { id: 'kakunin_shimashita', ja: '確認しました', en: 'Checked' },
  { id: 'taio_shimasu', ja: '対応します', en: "I'll take care of it" },
  { id: 'taiochu', ja: '対応中です', en: 'Working on it' },
  { id: 'kanryo', ja: '完了しました', en: 'Done' },
  { id: 'omachi', ja: '少々お待ちください', en: 'One moment, please' },
  { id: 'moushiwake', ja: '申し訳ありません', en: "I'm sorry" },
  { id: 'tasukarimasu', ja: '助かります', en: 'That helps a lot' },
  { id: 'ohayo', ja: 'おはようございます', en: 'Good morning' },
  { id: 'osaki', ja: 'お先に失礼します', en: 'Leaving for the day' },
  { id: 'shikyu', ja: '至急', en: 'Urgent' },
  { id: 'ryokai_desu', ja: '了解です', en: 'OK' },
  { id: 'iine', ja: 'いいね', en: 'Like' },
  { id: 'sansei', ja: '賛成', en: 'Agreed' },
  { id: 'haiken', ja: '拝見しました', en: "I've read it" },
  { id: 'otsukaresama_deshita', ja: 'お疲れさまでした', en: 'Thanks for today' },
  { id: 'onegai', ja: 'お願いします', en: 'Please' },
  { id: 'sumimasen', ja: 'すみません', en: 'Excuse me' },
  { id: 'shusseki', ja: '出席します', en: "I'll attend" },
  { id: 'kesseki', ja: '欠席します', en: "I can't attend" },
  { id: 'okuremasu', ja: '遅れます', en: 'Running late' },
  { id: 'kaigichu', ja: '会議中です', en: 'In a meeting' },
  { id: 'gaishutsu', ja: '外出中です', en: 'Out of the office' },
  { id: 'modorimashita', ja: '戻りました', en: "I'm back" },
  { id: 'gosodan', ja: 'ご相談です', en: 'May I ask your advice?' },
  { id: 'omedeto', ja: 'おめでとうございます', en: 'Congratulations' },
  { id: 'subarashii', ja: 'すばらしい', en: 'Excellent' },
  { id: 'ganbarimasho', ja: 'がんばりましょう', en: "Let's do our best" },
  { id: 'kiwotsukete', ja: 'お気をつけて', en: 'Take care' },
  { id: 'odaiji', ja: 'お大事に', en: 'Get well soon' },
  { id: 'muri_shinaide', ja: '無理しないでください', en: "Don't overdo it" },
  { id: 'shiryo', ja: '資料を送ります', en: 'Sending the documents' },
  { id: 'odenwa', ja: 'お電話ください', en: 'Please call me' },
  { id: 'hai', ja: 'はい', en: 'Yes' },
  { id: 'iie', ja: 'いいえ', en: 'No' },
];

/** The picture of stamp `id` (a 120×120 SVG that also reads at 24 px), for an <img src>. */
export function stampUrl(id: string): string {
  return `/stamps/${encodeURIComponent(id)}.svg`;
}

/** The stamp with this id, or undefined (an id this client does not know). */
export function findStamp(id: string): StampDef | undefined {
  return STAMPS.find((s) => s.id === id);
}
