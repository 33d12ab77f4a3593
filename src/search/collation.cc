#include "search/collation.h"

#include <memory>
#include <unicode/coll.h>
#include <unicode/locid.h>

namespace tonari::search {
namespace {

// ICU collators are not safe for concurrent use through one instance; one per thread is cheap.
icu::Collator* thread_collator() {
  thread_local std::unique_ptr<icu::Collator> coll = [] {
    UErrorCode err = U_ZERO_ERROR;
    std::unique_ptr<icu::Collator> c(icu::Collator::createInstance(icu::Locale::getJapanese(), err));
    if (U_FAILURE(err)) c.reset();
    return c;
  }();
  return coll.get();
}

}  // namespace

int compare_ja(std::string_view a, std::string_view b) {
  icu::Collator* coll = thread_collator();
  if (!coll) return a.compare(b);
  UErrorCode err = U_ZERO_ERROR;
  UCollationResult r = coll->compareUTF8(icu::StringPiece(a.data(), a.size()),
                                         icu::StringPiece(b.data(), b.size()), err);
  if (U_FAILURE(err)) return a.compare(b);
  return static_cast<int>(r);
}

}  // namespace tonari::search

namespace tonari::search {

std::string sort_key_ja(std::string_view s) {
  icu::Collator* coll = thread_collator();
  if (!coll) return std::string(s);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), s.size()));
  std::string key(64, '\0');
  int32_t n = coll->getSortKey(u, reinterpret_cast<uint8_t*>(key.data()),
                               static_cast<int32_t>(key.size()));
  if (n > static_cast<int32_t>(key.size())) {
    key.resize(n);
    n = coll->getSortKey(u, reinterpret_cast<uint8_t*>(key.data()), n);
  }
  key.resize(n > 0 ? n - 1 : 0);  // drop the terminating NUL
  return key;
}

}  // namespace tonari::search
