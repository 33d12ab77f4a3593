#include "core/stamps.h"

#include <array>

namespace tonari {
namespace {

constexpr std::array kStamps = {
    StampInfo{"ryokai", "了解しました", "Got it"},
    StampInfo{"shochi", "承知しました", "Understood"},
    StampInfo{"arigato", "ありがとうございます", "Thank you"},
    StampInfo{"otsukare", "お疲れさまです", "Thanks for your work"},
    StampInfo{"yoroshiku", "よろしくお願いします", "Thank you in advance"},
    StampInfo{"kakunin_shimasu", "確認します", "I'll check"},
    StampInfo{"kakunin_shimashita", "確認しました", "Checked"},
    StampInfo{"taio_shimasu", "対応します", "I'll take care of it"},
    StampInfo{"taiochu", "対応中です", "Working on it"},
    StampInfo{"kanryo", "完了しました", "Done"},
    StampInfo{"omachi", "少々お待ちください", "One moment, please"},
    StampInfo{"moushiwake", "申し訳ありません", "I'm sorry"},
    StampInfo{"tasukarimasu", "助かります", "That helps a lot"},
    StampInfo{"ohayo", "おはようございます", "Good morning"},
    StampInfo{"osaki", "お先に失礼します", "Leaving for the day"},
    StampInfo{"shikyu", "至急", "Urgent"},
    StampInfo{"ryokai_desu", "了解です", "OK"},
    StampInfo{"iine", "いいね", "Like"},
    StampInfo{"sansei", "賛成", "Agreed"},
    StampInfo{"haiken", "拝見しました", "I've read it"},
    StampInfo{"otsukaresama_deshita", "お疲れさまでした", "Thanks for today"},
    StampInfo{"onegai", "お願いします", "Please"},
    StampInfo{"sumimasen", "すみません", "Excuse me"},
    StampInfo{"shusseki", "出席します", "I'll attend"},
    StampInfo{"kesseki", "欠席します", "I can't attend"},
    StampInfo{"okuremasu", "遅れます", "Running late"},
    StampInfo{"kaigichu", "会議中です", "In a meeting"},
    StampInfo{"gaishutsu", "外出中です", "Out of the office"},
    StampInfo{"modorimashita", "戻りました", "I'm back"},
    StampInfo{"gosodan", "ご相談です", "May I ask your advice?"},
    StampInfo{"omedeto", "おめでとうございます", "Congratulations"},
    StampInfo{"subarashii", "すばらしい", "Excellent"},
    StampInfo{"ganbarimasho", "がんばりましょう", "Let's do our best"},
    StampInfo{"kiwotsukete", "お気をつけて", "Take care"},
    StampInfo{"odaiji", "お大事に", "Get well soon"},
    StampInfo{"muri_shinaide", "無理しないでください", "Don't overdo it"},
    StampInfo{"shiryo", "資料を送ります", "Sending the documents"},
    StampInfo{"odenwa", "お電話ください", "Please call me"},
    StampInfo{"hai", "はい", "Yes"},
    StampInfo{"iie", "いいえ", "No"},
};

}  // namespace

std::span<const StampInfo> stamps() { return kStamps; }

const StampInfo* find_stamp(std::string_view id) {
  for (const auto& s : kStamps) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

}  // namespace tonari
