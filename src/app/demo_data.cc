// Demo municipality data for `tonari serve --demo`. See demo_data.h.
#include "app/demo_data.h"

namespace tonari::app {

const std::vector<DemoDepartment>& demo_departments() {
  static const std::vector<DemoDepartment> kDepartments = {
      // 総務部
      {"somu", nullptr, "総務部", "そうむぶ"},
      {"somu.somu", "somu", "総務課", "そうむか"},
      {"somu.somu.shomu", "somu.somu", "庶務係", "しょむがかり"},
      {"somu.joho", "somu", "情報政策課", "じょうほうせいさくか"},
      {"somu.joho.system", "somu.joho", "情報システム係", "じょうほうしすてむがかり"},
      // 市民生活部
      {"shimin", nullptr, "市民生活部", "しみんせいかつぶ"},
      {"shimin.shimin", "shimin", "市民課", "しみんか"},
      {"shimin.shimin.kiroku", "shimin.shimin", "住民記録係", "じゅうみんきろくがかり"},
      {"shimin.kiki", "shimin", "危機管理課", "ききかんりか"},
      {"shimin.kiki.bosai", "shimin.kiki", "防災係", "ぼうさいがかり"},
      // 建設部
      {"kensetsu", nullptr, "建設部", "けんせつぶ"},
      {"kensetsu.doro", "kensetsu", "道路課", "どうろか"},
      {"kensetsu.doro.iji", "kensetsu.doro", "維持係", "いじがかり"},
      {"kensetsu.doro.komu", "kensetsu.doro", "工務係", "こうむがかり"},
      {"kensetsu.toshi", "kensetsu", "都市計画課", "としけいかくか"},
      {"kensetsu.toshi.keikaku", "kensetsu.toshi", "計画係", "けいかくがかり"},
      // 福祉部
      {"fukushi", nullptr, "福祉部", "ふくしぶ"},
      {"fukushi.fukushi", "fukushi", "福祉課", "ふくしか"},
      {"fukushi.fukushi.korei", "fukushi.fukushi", "高齢福祉係", "こうれいふくしがかり"},
      {"fukushi.fukushi.shogai", "fukushi.fukushi", "障がい福祉係", "しょうがいふくしがかり"},
      {"fukushi.kosodate", "fukushi", "子育て支援課", "こそだてしえんか"},
      {"fukushi.kosodate.hoiku", "fukushi.kosodate", "保育係", "ほいくがかり"},
  };
  return kDepartments;
}

const std::vector<DemoUser>& demo_users() {
  static const std::vector<DemoUser> kUsers = {
      // 総務部
      {"otsuka", "大塚 直樹", "おおつか なおき", "somu", "部長", "", false, "2103"},
      {"goto", "後藤 正和", "ごとう まさかず", "somu.somu", "課長", "10時まで庁議", false, "2106"},
      {"ogawa", "小川 恵", "おがわ めぐみ", "somu.somu.shomu", "係長", "", false, "2109"},
      {"endo", "遠藤 修", "えんどう おさむ", "somu.somu.shomu", "主事", "本日は第2庁舎2F", false, "2112"},
      {"nakamura", "中村 浩二", "なかむら こうじ", "somu.joho", "課長", "", false, "2115"},
      {"kobayashi", "小林 由美", "こばやし ゆみ", "somu.joho.system", "係長", "", false, "2118"},
      {"yamada", "山田 花子", "やまだ はなこ", "somu.joho.system", "主査", "サーバ室で作業中（内線2345）",
       true, "2345"},
      {"ueda", "上田 翔太", "うえだ しょうた", "somu.joho.system", "主事", "", false, "2121"},
      // 市民生活部
      {"kato", "加藤 大輔", "かとう だいすけ", "shimin", "部長", "", false, "3103"},
      {"yoshida", "吉田 直美", "よしだ なおみ", "shimin.shimin", "課長", "", false, "3106"},
      {"yamaguchi", "山口 達也", "やまぐち たつや", "shimin.shimin.kiroku", "係長", "", false, "3109"},
      {"tanaka.y", "田中 優子", "たなか ゆうこ", "shimin.shimin.kiroku", "主任", "窓口対応中", false, "3112"},
      {"matsumoto", "松本 さやか", "まつもと さやか", "shimin.shimin.kiroku", "会計年度任用職員", "",
       false, "3115"},
      {"takahashi", "高橋 健", "たかはし けん", "shimin.kiki", "課長", "防災対策室（第2庁舎3F）", false, "3118"},
      {"aoki", "青木 綾", "あおき あや", "shimin.kiki", "主査", "", false, "3121"},
      {"sato", "佐藤 花子", "さとう はなこ", "shimin.kiki.bosai", "係長", "", false, "3124"},
      {"suzuki", "鈴木 一郎", "すずき いちろう", "shimin.kiki.bosai", "主任", "", false, "3127"},
      {"ito", "伊藤 美咲", "いとう みさき", "shimin.kiki.bosai", "主事", "午後から避難所の現地確認", false, "3130"},
      {"tanaka", "田中 太郎", "たなか たろう", "shimin.kiki.bosai", "主事", "", false, "3133"},
      // 建設部
      {"inoue", "井上 隆", "いのうえ たかし", "kensetsu", "部長", "", false, "4103"},
      {"kimura", "木村 拓也", "きむら たくや", "kensetsu.doro", "課長", "", false, "4106"},
      {"hayashi", "林 健太", "はやし けんた", "kensetsu.doro.iji", "係長", "", false, "4109"},
      {"watanabe", "渡辺 誠", "わたなべ まこと", "kensetsu.doro.iji", "主査", "午後から現地調査", false, "4112"},
      {"shimizu", "清水 亮", "しみず りょう", "kensetsu.doro.iji", "主事", "パトロール中", false, "4115"},
      {"yamazaki", "山崎 智子", "やまざき ともこ", "kensetsu.doro.komu", "主任", "", false, "4118"},
      {"abe", "阿部 真理子", "あべ まりこ", "kensetsu.toshi", "課長", "", false, "4121"},
      {"mori", "森 一樹", "もり かずき", "kensetsu.toshi.keikaku", "主査", "本日休暇", false, "4124"},
      // 福祉部
      {"ikeda", "池田 和夫", "いけだ かずお", "fukushi", "部長", "", false, "5103"},
      {"hashimoto", "橋本 恵美", "はしもと えみ", "fukushi.fukushi", "課長", "", false, "5106"},
      {"ishikawa", "石川 洋子", "いしかわ ようこ", "fukushi.fukushi.korei", "係長", "", false, "5109"},
      {"okada", "岡田 悠斗", "おかだ ゆうと", "fukushi.fukushi.korei", "主事", "訪問調査のため15時帰庁",
       false, "5112"},
      {"maeda", "前田 千尋", "まえだ ちひろ", "fukushi.fukushi.shogai", "主任", "", false, "5115"},
      {"kondo", "近藤 美穂", "こんどう みほ", "fukushi.kosodate", "課長", "", false, "5118"},
      {"fujita", "藤田 陽子", "ふじた ようこ", "fukushi.kosodate.hoiku", "会計年度任用職員", "", false, "5121"},
      // 退職: disabled once seeded, still in his rooms (marked 利用停止).
      {"nishimura", "西村 健一", "にしむら けんいち", "shimin.kiki.bosai", "主事", "", false, "3358", true},
  };
  return kUsers;
}

// Room indices used by demo_messages().
namespace {
constexpr int kAll = 0;
constexpr int kBosai = 1;
constexpr int kKiki = 2;
constexpr int kKunren = 3;
constexpr int kJoho = 4;
constexpr int kDoro = 5;
}  // namespace

const std::vector<DemoRoom>& demo_rooms() {
  static const std::vector<DemoRoom> kRooms = {
      {"全職員", {}, "tenant", true, {"otsuka", "ogawa", "takahashi", "ikeda"},
       "さくら市の全職員へのお知らせ（お知らせ専用）。投稿は各部の連絡担当者が行います。"},
      {"防災係", {"sato", "tanaka", "suzuki", "ito", "takahashi", "nishimura"}, "shimin.kiki.bosai", false,
       {}, "防災係の連絡用。係員は人事異動に合わせて自動で参加します。"},
      {"危機管理課", {"takahashi", "aoki", "sato", "suzuki", "ito", "tanaka", "kato"}},
      {"防災訓練プロジェクト",
       {"sato", "takahashi", "tanaka", "ito", "yamada", "yamaguchi", "watanabe", "hayashi", "ishikawa",
        "ogawa"}},
      {"情報政策課", {"nakamura", "kobayashi", "yamada", "ueda"}},
      {"道路維持 現場連絡", {"hayashi", "watanabe", "shimizu", "kimura", "yamazaki"}},
  };
  return kRooms;
}

// Listed oldest first (minutes_ago strictly descending overall, hence also per room).
const std::vector<DemoMessage>& demo_messages() {
  static const std::vector<DemoMessage> kMessages = {
      {kKunren, "sato",
       "お疲れ様です。総合防災訓練の準備用にこのルームを作成しました。訓練は11月第2日曜、会場は市民運動公園の予定です。"
       "各部署の役割分担表は後ほど共有します。",
       4310},
      {kAll, "yamada",
       "【システムメンテナンスのお知らせ】今週土曜 9:00〜17:00、サーバ保守のため住民情報システムと財務会計システムが"
       "ご利用いただけません。休日に窓口・出勤予定のある方はご注意ください。",
       4300},
      {kAll, "otsuka", "山田さん、ご連絡ありがとうございます。土曜に出勤予定のある課は、所属長から情報政策課へ共有をお願いします。",
       4250},
      {kBosai, "sato",
       "お疲れ様です。総合防災訓練の実施要領案を共有フォルダ（防災係/訓練/R6）に置きました。明日中に目を通していただけますか。",
       4200},
      {kBosai, "suzuki", "確認します。避難所開設の部分は昨年度の反省点（受付の混雑、段ボールベッドの設営手順）を反映済みでしょうか。",
       4180},
      {kKunren, "yamada", "情報政策課です。避難者受付用のタブレットとモバイルWi-Fiを10台ずつ用意できます。", 4000},
      {kKunren, "yamaguchi",
       "住民記録係の山口です。避難者名簿の様式について、個人情報の取扱いの面で一度ご相談させてください。", 3950},
      {kJoho, "nakamura", "お疲れ様です。来年度の端末更新の見積ですが、金曜までに取りまとめをお願いします。", 3500},
      {kJoho, "kobayashi", "承知しました。上田さん、各課の台数調査の回収状況はいかがですか。", 3400},
      {kJoho, "ueda", "28課中24課から回答がありました。残りの4課には本日中に督促します。", 3380},
      {kAll, "ogawa",
       "庶務係よりお知らせです。来週月曜から第2庁舎の駐車場が舗装工事のため一部使用できなくなります。"
       "公用車は本庁舎北側の駐車場をご利用ください。",
       2900},
      {kBosai, "tanaka",
       "備蓄倉庫の点検に行ってきました。第三小学校の倉庫で、保存水の賞味期限が来月で切れるものが48ケースありました。", 2880},
      {kBosai, "ito", "入れ替え分は訓練当日の配布用に回せないでしょうか。係長にご相談させてください。", 2860},
      {kBosai, "sato", "いい案ですね。田中さん、倉庫ごとの数量を一覧にしてもらえますか。", 2850},
      {kKunren, "watanabe", "道路課からは、通行止め訓練と重機による道路啓開の展示を予定しています。", 2700},
      {kKunren, "ishikawa", "福祉避難所の開設訓練は、特別養護老人ホームさくら苑さんにもご協力いただける見込みです。", 2600},
      {kDoro, "shimizu",
       "パトロール中です。市道さくら台3号線、さくら台公民館前の交差点付近で道路の陥没を確認しました。"
       "直径約50センチ、深さ20センチほどです。カラーコーンを設置しています。",
       2000},
      {kDoro, "watanabe", "ありがとうございます。写真を送ってください。業者に連絡して本日中に応急復旧をお願いします。", 1980},
      {kDoro, "hayashi", "下水道管の破損の可能性もあるので、上下水道課にも連絡を入れておきます。", 1950},
      {kAll, "takahashi",
       "危機管理課の高橋です。台風14号の接近に伴い、明日8時30分に災害警戒本部を設置する予定です。"
       "各部の連絡員の方は第2庁舎3階の防災対策室にお集まりください。",
       1450},
      {kAll, "ikeda", "承知しました。福祉部からは石川係長が連絡員として参加します。", 1440},
      {kKiki, "aoki",
       "気象台からのホットライン情報です。台風14号は明日夕方から夜にかけて最接近の見込み、24時間雨量は多いところで250ミリとのことです。",
       1420},
      {kKiki, "takahashi", "ありがとうございます。警戒本部の設置について加藤部長に報告します。", 1410},
      {kBosai, "takahashi", "台風対応のため、訓練の打合せは来週に延期します。今日は警戒体制の準備を優先してください。", 1400},
      {kBosai, "suzuki", "承知しました。土のうの配布場所の案内をホームページに掲載する準備をします。", 1390},
      {kBosai, "tanaka", "防災行政無線の放送文案を作成しました。共有フォルダに入れましたので確認をお願いします。", 1300},
      {kKunren, "sato", "台風対応のため、次回の打合せは来週火曜14時に変更します。よろしくお願いします。", 1000},
      {kJoho, "yamada", "不審メールの件、件名と送信元アドレスを庁内向けにまとめました。全職員ルームに投稿します。", 620},
      {kJoho, "nakamura", "お願いします。念のためメールゲートウェイでの遮断設定も確認しておいてください。", 610},
      {kAll, "yamada",
       "【注意喚起】本日、市職員を装った不審なメールが複数届いています。添付ファイルやURLは開かず、"
       "情報システム係（内線2345）までご連絡ください。",
       600},
      {kDoro, "kimura", "台風に備えて、アンダーパス2か所の冠水センサーの動作確認をお願いします。", 500},
      {kDoro, "watanabe", "午後から現地で確認します。清水さん、同行をお願いします。", 480},
      {kKiki, "kato", "市長への説明は16時からで調整がつきました。資料は高橋課長からご説明をお願いします。", 180},
      {kBosai, "ito", "避難所の開設準備ですが、第一中学校と市民体育館は施設管理者と連絡が取れました。", 90},
      {kDoro, "shimizu", "駅東アンダーパス、冠水センサーは正常でした。排水ポンプも動作確認済みです。", 60},
      {kBosai, "sato", "ありがとうございます。田中さん、15時からの本部会議の資料印刷をお願いできますか。", 30},
      {kAll, "yamada",
       "本日17時15分から30分程度、庁内ネットワークの切替作業を行います。作業中はtonariを含め一時的につながりにくくなる場合があります。"
       "ご協力をお願いします。",
       20},
      {kBosai, "tanaka", "承知しました。20部印刷して防災対策室にお持ちします。", 5},
  };
  return kMessages;
}

}  // namespace tonari::app
