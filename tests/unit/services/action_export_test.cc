#include "services/action_export.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "search/encoding.h"

namespace tonari::services {
namespace {

// 2026/12/06 10:15 JST.
constexpr TimeMs kAt = 1796519700000;

ActionState attendance() {
  ActionState a;
  a.spec.kind = ActionKind::attendance;
  a.spec.title = "忘年会";
  a.tally = {2, 1, {1, 1, 0}};
  return a;
}

const std::vector<std::string> kAttendanceLabels = {"出席", "欠席", "未定"};

std::string csv_body(const Result<std::string>& r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->substr(0, 3), "\xEF\xBB\xBF");
  return r->substr(3);
}

TEST(ActionExportTest, Utf8CsvBytes) {
  const std::vector<ExportRow> rows = {
      {"佐藤, 一郎", "さとう いちろう", "総務部/総務課", {{0, 0}}, kAt},
      {"田中 \"タナ\"", "たなか", "二行\n目", {{1, 0}}, kAt + 60000},
  };
  auto r = export_action(attendance(), kAttendanceLabels, rows, ExportFormat::csv_utf8);
  EXPECT_EQ(csv_body(r),
            "氏名,よみ,所属,出席,欠席,未定,回答日時\r\n"
            "\"佐藤, 一郎\",さとう いちろう,総務部/総務課,○,,,2026/12/06 10:15\r\n"
            "\"田中 \"\"タナ\"\"\",たなか,\"二行\n目\",,○,,2026/12/06 10:16\r\n"
            "\r\n"
            "選択肢,件数\r\n"
            "出席,1\r\n"
            "欠席,1\r\n"
            "未定,0\r\n"
            "回答済み,2\r\n"
            "未回答,1\r\n");
}

TEST(ActionExportTest, ScheduleMarksAndTheirTally) {
  ActionState a;
  a.spec.kind = ActionKind::schedule;
  a.spec.title = "打合せ";
  a.spec.options = {"12/7", "12/8"};
  a.tally = {1, 0, {1, 0, 0, 0, 0, 1}};
  const std::vector<ExportRow> rows = {{"佐藤", "さとう", "", {{0, 0}, {1, 2}}, kAt}};
  auto r = export_action(a, a.spec.options, rows, ExportFormat::csv_utf8);
  EXPECT_EQ(csv_body(r),
            "氏名,よみ,所属,12/7,12/8,回答日時\r\n"
            "佐藤,さとう,,○,×,2026/12/06 10:15\r\n"
            "\r\n"
            "選択肢,○,△,×\r\n"
            "12/7,1,0,0\r\n"
            "12/8,0,0,1\r\n"
            "回答済み,1\r\n"
            "未回答,0\r\n");
}

TEST(ActionExportTest, AnonymousHasTheTallyOnly) {
  ActionState a = attendance();
  a.spec.anonymous = true;
  const std::vector<ExportRow> rows = {{"佐藤", "さとう", "", {{0, 0}}, kAt}};
  auto r = export_action(a, kAttendanceLabels, rows, ExportFormat::csv_utf8);
  const std::string body = csv_body(r);
  EXPECT_EQ(body.find("佐藤"), std::string::npos);
  EXPECT_EQ(body.substr(0, body.find("\r\n")), "選択肢,件数");
}

TEST(ActionExportTest, FormulasAreDefusedInCsv) {
  ActionState a;
  a.spec.kind = ActionKind::choice;
  a.spec.title = "t";
  a.spec.options = {"=1+1", "@SUM(A1)"};
  a.tally = {1, 0, {1, 0}};
  const std::vector<ExportRow> rows = {{"+81", "-x", "=HYPERLINK(\"a\",\"b\")", {{0, 0}}, kAt}};
  auto r = export_action(a, a.spec.options, rows, ExportFormat::csv_utf8);
  const std::string body = csv_body(r);
  EXPECT_NE(body.find("'=1+1,'@SUM(A1),"), std::string::npos) << body;
  EXPECT_NE(body.find("'+81,'-x,\"'=HYPERLINK(\"\"a\"\",\"\"b\"\")\",○"), std::string::npos)
      << body;
  EXPECT_NE(body.find("\r\n'=1+1,1\r\n"), std::string::npos) << body;
}

TEST(ActionExportTest, ShiftJisRoundTrips) {
  const std::vector<ExportRow> rows = {{"髙橋 ①", "たかはし", "ｿｳﾑ", {{2, 0}}, kAt}};
  auto utf8 = export_action(attendance(), kAttendanceLabels, rows, ExportFormat::csv_utf8);
  auto sjis = export_action(attendance(), kAttendanceLabels, rows, ExportFormat::csv_sjis);
  ASSERT_TRUE(sjis.ok()) << sjis.status().message();
  EXPECT_EQ(sjis->substr(0, 4), "\x8E\x81\x96\xBC");  // 氏名, no BOM
  EXPECT_EQ(search::to_utf8(*sjis), std::optional<std::string>(csv_body(utf8)));
}

TEST(ActionExportTest, ShiftJisReplacesWhatItCannotHold) {
  // 𠮷 and the emoji have no Windows-31J code; 〜 (U+301C, what Macs type) becomes ～.
  EXPECT_EQ(search::to_windows31j("𠮷田😀〜"), std::optional<std::string>("?\x93\x63?\x81\x60"));
  const std::vector<ExportRow> rows = {{"𠮷田", "よしだ", "", {{0, 0}}, kAt}};
  auto sjis = export_action(attendance(), kAttendanceLabels, rows, ExportFormat::csv_sjis);
  ASSERT_TRUE(sjis.ok());
  EXPECT_NE(search::to_utf8(*sjis)->find("\r\n?田,よしだ,,○,,,2026/12/06 10:15\r\n"),
            std::string::npos);
}

TEST(ActionExportTest, LabelsAndCountsMustMatchTheOptions) {
  auto r = export_action(attendance(), {"出席", "欠席"}, {}, ExportFormat::csv_utf8);
  EXPECT_EQ(r.status().code(), Code::internal);
  ActionState a = attendance();
  a.tally.counts.clear();
  EXPECT_EQ(export_action(a, kAttendanceLabels, {}, ExportFormat::csv_utf8).status().code(),
            Code::internal);
}

TEST(ActionExportTest, NamesAndTypes) {
  EXPECT_EQ(export_format_from_name("csv"), ExportFormat::csv_utf8);
  EXPECT_EQ(export_format_from_name("csv_sjis"), ExportFormat::csv_sjis);
  EXPECT_EQ(export_format_from_name("xlsx"), ExportFormat::xlsx);
  EXPECT_EQ(export_format_from_name("pdf"), std::nullopt);
  EXPECT_STREQ(export_content_type(ExportFormat::csv_utf8), "text/csv; charset=utf-8");
  ActionState a;
  a.spec.title = "..12/7の会議: 出欠?";
  EXPECT_EQ(export_file_name(a, ExportFormat::csv_utf8), "12_7の会議_ 出欠__回答.csv");
  a.spec.title = std::string(60, 'a');
  EXPECT_EQ(export_file_name(a, ExportFormat::xlsx), std::string(50, 'a') + "_回答.xlsx");
  a.spec.title = "あ" + std::string(49, 'a') + "い";  // cut before い, not inside it
  EXPECT_EQ(export_file_name(a, ExportFormat::csv_sjis), "あ" + std::string(49, 'a') + "_回答.csv");
  a.spec.title = " / ";
  EXPECT_EQ(export_file_name(a, ExportFormat::csv_utf8), "__回答.csv");
  a.spec.title = "  ";
  EXPECT_EQ(export_file_name(a, ExportFormat::csv_utf8), "回答.csv");
}

// The entry `name` of the zip archive `bytes`, or "" without it.
std::string zip_entry(const std::string& bytes, const char* name) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  zip_t* z = src ? zip_open_from_source(src, ZIP_RDONLY, &err) : nullptr;
  std::string out;
  if (z != nullptr) {
    if (zip_file_t* f = zip_fopen(z, name, 0)) {
      char buf[4096];
      zip_int64_t n;
      while ((n = zip_fread(f, buf, sizeof buf)) > 0) out.append(buf, n);
      zip_fclose(f);
    }
    zip_close(z);
  } else if (src != nullptr) {
    zip_source_free(src);
  }
  zip_error_fini(&err);
  return out;
}

ActionState formula_choice() {
  ActionState a;
  a.spec.kind = ActionKind::choice;
  a.spec.title = "弁当";
  a.spec.options = {"=1+1", "幕の内"};
  a.tally = {1, 4, {0, 1}};
  return a;
}

TEST(ActionExportTest, XlsxHasTheSheetWithStringsNotFormulas) {
  const std::vector<ExportRow> rows = {{"=HYPERLINK(\"x\")", "さとう", "総務課", {{1, 0}}, kAt}};
  auto r = export_action(formula_choice(), formula_choice().spec.options, rows,
                         ExportFormat::xlsx);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->substr(0, 4), "PK\x03\x04");
  EXPECT_NE(zip_entry(*r, "xl/workbook.xml").find("name=\"回答\""), std::string::npos);
  const std::string sheet = zip_entry(*r, "xl/worksheets/sheet1.xml");
  EXPECT_NE(sheet.find("<t>幕の内</t>"), std::string::npos) << sheet;
  EXPECT_NE(sheet.find("<t>=HYPERLINK(\"x\")</t>"), std::string::npos) << sheet;
  EXPECT_NE(sheet.find("<t>=1+1</t>"), std::string::npos) << sheet;
  EXPECT_EQ(sheet.find("<f>"), std::string::npos) << sheet;
}

// Debian's python3 with python3-openpyxl (scripts/install-deps.sh test): an independent
// reader of the file. Prints every row of the sheet as Python's repr of a tuple.
constexpr const char* kOpenpyxl = R"(
import sys
try:
    import openpyxl
except ImportError:
    sys.exit(3)
ws = openpyxl.load_workbook(sys.argv[1]).active
print(ws.title)
for row in ws.iter_rows(values_only=True):
    print(repr(tuple(row)))
)";

TEST(ActionExportTest, XlsxReadsBackWithOpenpyxl) {
  const std::vector<ExportRow> rows = {{"佐藤", "さとう", "総務課", {{1, 0}}, kAt}};
  auto r = export_action(formula_choice(), formula_choice().spec.options, rows,
                         ExportFormat::xlsx);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto path = std::filesystem::temp_directory_path() /
                    ("tonari-export-test-" + std::to_string(getpid()) + ".xlsx");
  std::ofstream(path, std::ios::binary) << *r;
  // Debian's python3 first: a python3 earlier on PATH (pyenv) may lack openpyxl.
  const std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  const std::string cmd = python + " -c '" + kOpenpyxl + "' " + path.string();
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = pclose(p);
  std::filesystem::remove(path);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 3) GTEST_SKIP() << "no openpyxl";
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_EQ(out,
            "回答\n"
            "('氏名', 'よみ', '所属', '=1+1', '幕の内', '回答日時')\n"
            "('佐藤', 'さとう', '総務課', None, '○', '2026/12/06 10:15')\n"
            "(None, None, None, None, None, None)\n"
            "('選択肢', '件数', None, None, None, None)\n"
            "('=1+1', 0, None, None, None, None)\n"
            "('幕の内', 1, None, None, None, None)\n"
            "('回答済み', 1, None, None, None, None)\n"
            "('未回答', 4, None, None, None, None)\n");
}

}  // namespace
}  // namespace tonari::services
