#include "services/action_export.h"

#include <stdlib.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "services/export_text.h"

namespace tonari::services {
namespace {

constexpr const char* kScheduleMarks[] = {"○", "△", "×"};

// A cell: text or a count. Built once, then written as CSV or XLSX.
struct Cell {
  bool is_number = false;
  std::string text;
  std::int64_t number = 0;
};
using Row = std::vector<Cell>;

Cell text(std::string s) { return {false, std::move(s), 0}; }
Cell number(std::int64_t n) { return {true, {}, n}; }

// The sheet as rows: the answerers' table (not for anonymous questions), a blank row, and
// the tally. The caller has checked the sizes of labels and counts.
std::vector<Row> build_rows(const ActionState& a, const std::vector<std::string>& labels,
                            const std::vector<ExportRow>& answers) {
  const bool schedule = a.spec.kind == ActionKind::schedule;
  const std::size_t values = static_cast<std::size_t>(action_values_per_option(a.spec.kind));
  std::vector<Row> rows;
  if (!a.spec.anonymous) {
    Row head = {text("氏名"), text("よみ"), text("所属")};
    for (const auto& l : labels) head.push_back(text(l));
    head.push_back(text("回答日時"));
    rows.push_back(std::move(head));
    for (const auto& r : answers) {
      Row row = {text(r.name), text(r.reading), text(r.dept)};
      row.resize(3 + labels.size());
      for (const auto& p : r.picks) {
        if (p.option < 0 || static_cast<std::size_t>(p.option) >= labels.size()) continue;
        row[3 + p.option] = text(schedule && p.value >= 0 && p.value < 3
                                     ? kScheduleMarks[p.value]
                                     : "○");
      }
      row.push_back(text(r.at > 0 ? jst_minutes(r.at) : ""));
      rows.push_back(std::move(row));
    }
    rows.emplace_back();
  }
  Row head = {text("選択肢")};
  if (schedule) {
    for (const char* m : kScheduleMarks) head.push_back(text(m));
  } else {
    head.push_back(text("件数"));
  }
  rows.push_back(std::move(head));
  for (std::size_t o = 0; o < labels.size(); ++o) {
    Row row = {text(labels[o])};
    for (std::size_t v = 0; v < values; ++v) row.push_back(number(a.tally.counts[o * values + v]));
    rows.push_back(std::move(row));
  }
  rows.push_back({text("回答済み"), number(a.tally.answered)});
  rows.push_back({text("未回答"), number(a.tally.pending)});
  return rows;
}

std::string csv_field(const Cell& c) {
  return c.is_number ? std::to_string(c.number) : csv_cell(c.text);
}

std::string csv(const std::vector<Row>& rows) {
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += ',';
      out += csv_field(row[i]);
    }
    out += "\r\n";
  }
  return out;
}

// A private directory for libxlsxwriter's file and its temporary files (1.1.4 writes only
// to a file: its in-memory output came in 1.1.5), removed when done.
class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    auto base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string tmpl = (base / "tonari-export-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;  // mode 0700
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Empty if the directory could not be made.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

Result<std::string> xlsx(const ActionState& a, const std::vector<Row>& rows,
                         std::size_t option_count) {
  TempDir dir;
  if (dir.path().empty()) return internal_error("export: no temporary directory");
  const std::string file = (dir.path() / "export.xlsx").string();
  std::string tmpdir = dir.path().string();
  // Constant memory: rows go to a temporary file as they are written, so a 20,000-member
  // room's export holds one row at a time (its strings are then inline, not shared).
  lxw_workbook_options opts{};
  opts.constant_memory = LXW_TRUE;
  opts.tmpdir = tmpdir.data();
  lxw_workbook* wb = workbook_new_opt(file.c_str(), &opts);
  if (wb == nullptr) return internal_error("export: xlsx workbook not created");
  lxw_doc_properties props{};
  std::string title = a.spec.title;
  props.title = title.data();
  workbook_set_properties(wb, &props);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "回答");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_error err = LXW_NO_ERROR;
  auto keep = [&err](lxw_error e) {
    if (err == LXW_NO_ERROR) err = e;
  };
  if (ws != nullptr) {
    // Column widths first: constant memory mode cannot change them after the first row.
    keep(worksheet_set_column(ws, 0, 2, 16, nullptr));
    keep(worksheet_set_column(ws, 3, static_cast<lxw_col_t>(2 + option_count), 10, nullptr));
    keep(worksheet_set_column(ws, static_cast<lxw_col_t>(3 + option_count),
                              static_cast<lxw_col_t>(3 + option_count), 17, nullptr));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const bool head = r == 0 || rows[r - 1].empty();  // a table's first row
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        const Cell& cell = rows[r][c];
        const auto row = static_cast<lxw_row_t>(r);
        const auto col = static_cast<lxw_col_t>(c);
        if (cell.is_number) {
          keep(worksheet_write_number(ws, row, col, static_cast<double>(cell.number), nullptr));
        } else if (!cell.text.empty()) {
          keep(worksheet_write_string(ws, row, col, cell.text.c_str(), head ? bold : nullptr));
        }
      }
    }
  }
  const lxw_error closed = workbook_close(wb);  // frees wb in every case
  if (ws == nullptr) return internal_error("export: xlsx worksheet not created");
  if (err != LXW_NO_ERROR) return internal_error(std::string("export: xlsx: ") + lxw_strerror(err));
  if (closed != LXW_NO_ERROR) {
    return internal_error(std::string("export: xlsx: ") + lxw_strerror(closed));
  }
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) return internal_error("export: xlsx not read back");
  return bytes;
}

}  // namespace

std::optional<ExportFormat> export_format_from_name(std::string_view name) {
  if (name == "csv") return ExportFormat::csv_utf8;
  if (name == "csv_sjis") return ExportFormat::csv_sjis;
  if (name == "xlsx") return ExportFormat::xlsx;
  return std::nullopt;
}

const char* export_content_type(ExportFormat f) {
  switch (f) {
    case ExportFormat::csv_utf8: return "text/csv; charset=utf-8";
    case ExportFormat::csv_sjis: return "text/csv; charset=Shift_JIS";
    case ExportFormat::xlsx:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  return "application/octet-stream";
}

std::string export_file_name(const ActionState& a, ExportFormat f) {
  std::string base = file_stem(a.spec.title);
  if (!base.empty()) base += "_";
  return base + "回答" + (f == ExportFormat::xlsx ? ".xlsx" : ".csv");
}

Result<std::string> export_action(const ActionState& a,
                                  const std::vector<std::string>& option_labels,
                                  const std::vector<ExportRow>& rows, ExportFormat f) {
  const std::size_t options = action_option_count(a.spec.kind, a.spec.options.size());
  const auto values = static_cast<std::size_t>(action_values_per_option(a.spec.kind));
  if (option_labels.size() != options) {
    return internal_error("export: " + std::to_string(option_labels.size()) +
                          " labels for " + std::to_string(options) + " options");
  }
  if (a.tally.counts.size() != options * values) {
    return internal_error("export: the tally has no counts for every option");
  }
  const std::vector<Row> sheet = build_rows(a, option_labels, rows);
  switch (f) {
    case ExportFormat::csv_utf8: return encode_csv(csv(sheet), false);
    case ExportFormat::csv_sjis: return encode_csv(csv(sheet), true);
    case ExportFormat::xlsx: return xlsx(a, sheet, options);
  }
  return internal_error("export: unknown format");
}

}  // namespace tonari::services
