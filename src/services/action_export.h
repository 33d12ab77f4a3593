// An action stamp's results as a file for Excel: CSV (UTF-8 with BOM, or Shift_JIS as
// Windows-31J; CRLF) and XLSX. Columns: 氏名, よみ, 所属, one per option (○ chosen; schedule
// ○/△/×), 回答日時 (JST "2026/12/06 10:15", text in every format); one row per
// answerer in the order given (五十音: store::action_answers_page), then a blank row and the
// tally (選択肢, 件数 — schedule: ○, △, × — then 回答済み and 未回答). An anonymous question's
// export has the tally only. Text that a spreadsheet would run as a formula is defused.
// No I/O but XLSX's: libxlsxwriter 1.1.4 writes a file, in a private temporary directory
// removed before the call returns.
// Thread safety: pure functions, safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace tonari::services {

enum class ExportFormat { csv_utf8, csv_sjis, xlsx };
// "csv", "csv_sjis", "xlsx"; nullopt for anything else.
std::optional<ExportFormat> export_format_from_name(std::string_view name);
const char* export_content_type(ExportFormat f);
// "<title>_回答.csv" / ".xlsx" (the title cut and made safe for a file name).
std::string export_file_name(const ActionState& a, ExportFormat f);

struct ExportRow {
  std::string name;
  std::string reading;
  std::string dept;  // the department path, "総務部/総務課"
  std::vector<ActionPick> picks;
  TimeMs at = 0;
};

// `option_labels`: the labels of every option, the implicit ones included (the caller
// fills はい/いいえ, 出席/欠席/未定, 完了 for the kinds whose labels are the client's).
// `a.tally.counts` must hold every option's counts: an internal error otherwise.
Result<std::string> export_action(const ActionState& a,
                                  const std::vector<std::string>& option_labels,
                                  const std::vector<ExportRow>& rows, ExportFormat f);

}  // namespace tonari::services
