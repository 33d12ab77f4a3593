// Messages as a city hall writes them, for the search benchmark (workload 14): 30 to 60
// characters of everyday municipal Japanese from a fixed vocabulary (sections, business,
// places, documents, dates), now and then in half-width katakana or full-width Latin as
// people type them. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace bench {

class MunicipalText {
 public:
  explicit MunicipalText(std::uint32_t seed) : rng_(seed) {}
  // A message. `rare` also lets in the words that only some rooms use (rare_words()).
  std::string message(bool rare);
  // Words that message(false) never writes: a searcher outside the rooms that use them
  // finds nothing, after the index has offered every one of their documents.
  static const std::vector<std::string>& rare_words();

 private:
  const std::string& pick(const std::vector<std::string>& v);
  std::mt19937 rng_;
};

}  // namespace bench
