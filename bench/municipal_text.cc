#include "municipal_text.h"

namespace bench {
namespace {

using Words = std::vector<std::string>;

const Words kSections = {
    "総務課", "財政課", "防災危機管理課", "市民課", "税務課", "福祉課", "子育て支援課",
    "健康推進課", "都市計画課", "道路管理課", "教育総務課", "企画政策課", "情報政策課",
    "議会事務局", "会計課", "環境保全課", "農林課", "商工観光課", "上下水道課", "人事課"};
const Words kBusiness = {
    "防災訓練", "例規審査会", "予算要求", "ワクチン接種", "避難所運営", "議会答弁",
    "住民説明会", "RPA導入", "LGWAN接続", "ふるさと納税", "固定資産税", "児童手当",
    "介護保険", "選挙事務", "庁内研修", "決算審査", "補正予算", "業務委託", "窓口業務",
    "マイナンバーカード交付", "公共施設の点検", "水道料金改定", "ごみ収集", "観光パンフレット",
    "入札", "人事評価", "会議録作成", "広報誌", "交通安全運動", "システム更新"};
const Words kPlaces = {"第1会議室", "第3会議室", "大会議室", "防災センター", "市民体育館",
                       "本庁舎2階", "分庁舎", "中央公民館", "保健センター", "消防本部"};
const Words kDocuments = {"実施要領", "日程表", "説明資料", "議事録", "回答案", "見積書",
                          "仕様書", "報告書", "チェックリスト", "起案文書"};
const Words kWhen = {"明日", "今週金曜日", "来週月曜日", "12月10日", "今月末", "年度内",
                     "本日中", "午前中"};
const Words kTimes = {"9時", "10時半", "13時", "14時", "15時30分", "16時"};
const Words kRare = {"除雪計画", "雪害対策本部"};

// How people type some of the business now and then.
const std::pair<const char*, const char*> kVariants[] = {
    {"ワクチン接種", "ﾜｸﾁﾝ接種"}, {"RPA導入", "ＲＰＡ導入"}, {"LGWAN接続", "ＬＧＷＡＮ接続"},
    {"マイナンバーカード交付", "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ交付"}, {"システム更新", "ｼｽﾃﾑ更新"}};

}  // namespace

const std::vector<std::string>& MunicipalText::rare_words() { return kRare; }

const std::string& MunicipalText::pick(const Words& v) { return v[rng_() % v.size()]; }

std::string MunicipalText::message(bool rare) {
  std::string business = rare && rng_() % 3 == 0 ? pick(kRare) : pick(kBusiness);
  if (rng_() % 10 == 0) {
    for (const auto& [usual, typed] : kVariants) {
      if (business == usual) business = typed;
    }
  }
  switch (rng_() % 8) {
    case 0:
      return business + "の" + pick(kDocuments) + "を共有フォルダに格納しました。" + pick(kWhen) +
             "までにご確認ください。";
    case 1:
      return pick(kSections) + "から" + business + "について照会がありました。回答案を作成中です。";
    case 2:
      return pick(kWhen) + "の" + business + "は" + pick(kPlaces) +
             "で行います。出欠のご回答をお願いします。";
    case 3:
      return business + "の件、" + pick(kSections) + "と調整済みです。修正版を後ほどお送りします。";
    case 4:
      return "お疲れさまです。" + business + "に関する" + pick(kDocuments) + "を更新しました。";
    case 5:
      return pick(kPlaces) + "での" + business + "について、" + pick(kSections) +
             "へ確認をお願いできますか。";
    case 6:
      return "本日の" + business + "の打ち合わせは" + pick(kTimes) + "からに変更になりました。";
    default:
      return business + "の進捗です。" + pick(kDocuments) + "は" + pick(kWhen) +
             "に提出予定です。よろしくお願いします。";
  }
}

}  // namespace bench
