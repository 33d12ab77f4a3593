#include "checks.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace tonari::sanitize::test {

std::string fixture(const std::string& name) { return std::string(TONARI_SANITIZE_FIXTURES) + "/" + name; }

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "tonari-sanitize-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::string> TempDir::entries() const {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path_)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool Run::exited(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
int Run::signal() const { return WIFSIGNALED(status) ? WTERMSIG(status) : 0; }

Run run(const std::vector<std::string>& argv, int timeout_seconds) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  Run r;
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    r.err = "cannot run " + argv[0];
    return r;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open = 2;
  while (open > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  ::waitpid(pid, &r.status, 0);
  return r;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

Job job(const std::string& in, const std::string& name, const TempDir& dir, Policy policy) {
  Job j;
  j.in = in;
  j.name = name;
  j.out_dir = dir.path();
  j.policy = policy;
  return j;
}

boost::json::object exif_tags(const std::string& path) {
  const Run r = run({"exiftool", "-j", "-G0", "-a", "-u", "-n", path});
  const boost::json::value v = boost::json::parse(r.out);
  return v.as_array().at(0).as_object();
}

std::vector<std::string> metadata_tags(const std::string& path) {
  static const char* const kGroups[] = {"EXIF", "XMP", "IPTC", "ICC_Profile", "Photoshop", "MakerNotes", "FlashPix"};
  static const char* const kWords[] = {"GPS", "Comment", "Artist", "Make", "Model", "Creator", "Author",
                                       "Copyright", "Software", "Description", "Title", "Keyword", "Text"};
  std::vector<std::string> found;
  for (const auto& [key, value] : exif_tags(path)) {
    const std::string k(key);
    const std::string group = k.substr(0, k.find(':'));
    bool bad = std::any_of(std::begin(kGroups), std::end(kGroups), [&](const char* g) { return group == g; }) ||
               group.rfind("APP", 0) == 0;
    bad = bad || std::any_of(std::begin(kWords), std::end(kWords),
                             [&](const char* w) { return k.find(w) != std::string::npos; });
    if (bad && group != "ExifTool" && group != "File" ) found.push_back(k);
    if (group == "File" && (k.find("Comment") != std::string::npos || k == "File:ExifByteOrder")) found.push_back(k);
  }
  return found;
}

std::pair<int, int> image_size(const std::string& path) {
  const Run r = run({"exiftool", "-s3", "-n", "-ImageWidth", "-ImageHeight", path});
  int w = 0, h = 0;
  if (std::sscanf(r.out.c_str(), "%d\n%d", &w, &h) != 2) return {0, 0};
  return {w, h};
}

std::vector<std::string> pdf_names(const std::string& path) {
  const Run r = run({"qpdf", "--qdf", "--object-streams=disable", path, "-"});
  const std::string& s = r.out;
  auto delimiter = [](unsigned char c) {
    return std::isspace(c) || c == '/' || c == '[' || c == ']' || c == '<' || c == '>' || c == '(' || c == ')' ||
           c == '{' || c == '}' || c == '%' || c == 0;
  };
  std::vector<std::string> names;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '/') continue;
    std::string name;
    std::size_t j = i + 1;
    for (; j < s.size() && !delimiter(static_cast<unsigned char>(s[j])); ++j) {
      if (s[j] == '#' && j + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[j + 1])) &&
          std::isxdigit(static_cast<unsigned char>(s[j + 2]))) {
        name += static_cast<char>(std::stoi(s.substr(j + 1, 2), nullptr, 16));
        j += 2;
      } else {
        name += s[j];
      }
    }
    names.push_back(name);
    i = j - 1;
  }
  return names;
}

std::vector<std::string> active_pdf_names(const std::string& path) {
  static const char* const kActive[] = {"JavaScript", "JS", "OpenAction", "AA", "Launch", "SubmitForm",
                                        "ImportData", "GoToE", "GoToR", "RichMedia", "EmbeddedFiles",
                                        "EmbeddedFile", "EF", "XFA", "FileAttachment", "Rendition"};
  std::vector<std::string> found;
  for (const auto& n : pdf_names(path))
    if (std::any_of(std::begin(kActive), std::end(kActive), [&](const char* a) { return n == a; }))
      found.push_back(n);
  return found;
}

std::string pdf_stream(const std::string& data, const std::string& extra) {
  return "<< /Length " + std::to_string(data.size()) + (extra.empty() ? "" : " " + extra) + " >>\nstream\n" + data +
         "\nendstream";
}

std::string make_pdf(const std::vector<std::string>& objects) {
  std::string pdf = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (auto off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    pdf += line;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace tonari::sanitize::test
