// Japanese texts of stamps, reactions and pins: loaded with the screens that show them
// (components/lazy.ts, i18n/index.ts loadCollabTexts), not part of the initial load.
// en-collab.ts has their English, merged into en.ts.
const jaCollab = {
  stampRecent: '最近使ったスタンプ',
  stampAll: 'スタンプ一覧',
  stampPickerHint: '矢印キーで選び、Enterで送信',
  reactionPick: 'リアクションを選ぶ',
  reactionQuick: 'よく使うリアクション',
  reactionMore: 'スタンプから選ぶ',
  reactionsOf: 'リアクション',
  /** A chip's name: what, how many, and whether I am among them. */
  reactionChip: '{what} {n}人',
  reactionChipMine: '{what} {n}人（あなたも）',
  reactedBy: '{what}でリアクションした人',
  reactedOthers: 'ほか{n}人',
  reactedMore: 'さらに表示',
  reactionFailed: 'リアクションできませんでした。{msg}',
  pinnedBar: 'ピン留め',
  pinnedN: 'ピン留め {n}件',
  pinsShow: 'ピン留めをすべて表示',
  pinsHide: 'ピン留めを閉じる',
  pinnedNote: 'ノート「{title}」',
  pinnedBy: '{name}さんがピン留め',
  pinnedDeleted: '（表示できません）',
  pinLimit: 'ピン留めは1つのトークに20件までです。',
  pinnedNotFound: 'このメッセージは見つかりませんでした（削除されたか、古すぎます）。',
};

export type CollabTexts = typeof jaCollab;
export default jaCollab;
