#include "api/fields.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace tonari::api {
namespace {

namespace json = boost::json;
using Ids = std::vector<std::int64_t>;

json::object obj(std::string_view text) {
  auto r = parse_object(text);
  if (!r.ok()) {
    ADD_FAILURE() << "parse_object failed: " << r.status().message();
    return {};
  }
  return std::move(r).value();
}

// ---- parse_object ---------------------------------------------------------------------

TEST(ParseObject, AcceptsAnObject) {
  auto r = parse_object(R"({"name": "防災訓練PJ", "members": [3, 9]})");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->size(), 2u);
  EXPECT_EQ(std::string(r->at("name").as_string()), "防災訓練PJ");
  EXPECT_EQ(r->at("members").as_array().size(), 2u);
  EXPECT_TRUE(parse_object("{}").ok());
  EXPECT_TRUE(parse_object(" \n{ } \n").ok());
}

TEST(ParseObject, InvalidJsonIsInvalidJson) {
  for (const char* body : {"", "{", "{\"a\":}", "{'a': 1}", "{\"a\": 1,}", "nope", "{} {}"}) {
    auto r = parse_object(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), Code::invalid_json) << body;
  }
}

TEST(ParseObject, NonObjectsAreInvalidJson) {
  for (const char* body : {"[1, 2]", "[]", "\"text\"", "42", "true", "null"}) {
    auto r = parse_object(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), Code::invalid_json) << body;
    EXPECT_EQ(r.status().message(), "request body must be a JSON object") << body;
  }
}

TEST(ParseObject, DeepNestingIsRefused) {
  std::string deep = R"({"a":)";
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  deep += "}";
  auto r = parse_object(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_json);
}

// ---- Fields::str ----------------------------------------------------------------------

TEST(Fields, StrReadsStrings) {
  auto o = obj(R"({"name": "田中", "empty": ""})");
  Fields f(o);
  EXPECT_EQ(f.str("name"), "田中");
  EXPECT_EQ(f.str("empty"), "");
  EXPECT_TRUE(f.status().is_ok());
}

TEST(Fields, MissingRequiredStrNamesTheField) {
  auto o = obj(R"({"other": 1})");
  Fields f(o);
  EXPECT_EQ(f.str("name"), "");
  EXPECT_EQ(f.status().code(), Code::invalid_argument);
  EXPECT_EQ(f.status().message(), "name: is required");
}

TEST(Fields, NullCountsAsMissing) {
  auto o = obj(R"({"name": null})");
  Fields f(o);
  EXPECT_EQ(f.str("name"), "");
  EXPECT_EQ(f.status().message(), "name: is required");
}

TEST(Fields, OptionalStrMayBeMissing) {
  auto o = obj(R"({})");
  Fields f(o);
  EXPECT_EQ(f.str("status", false), "");
  EXPECT_TRUE(f.status().is_ok());
  EXPECT_FALSE(f.has("status"));
}

TEST(Fields, WrongTypeForStr) {
  for (const char* body : {R"({"body": 5})", R"({"body": ["x"]})", R"({"body": {"a": 1}})",
                           R"({"body": true})"}) {
    auto o = obj(body);
    Fields f(o);
    EXPECT_EQ(f.str("body", false), "") << body;  // wrong type fails even if optional
    EXPECT_EQ(f.status().code(), Code::invalid_argument) << body;
    EXPECT_EQ(f.status().message(), "body: must be a string") << body;
  }
}

// ---- Fields::int64 --------------------------------------------------------------------

TEST(Fields, Int64ReadsIntegers) {
  auto o = obj(R"({"seq": 42, "neg": -3, "max": 9223372036854775807})");
  Fields f(o);
  EXPECT_EQ(f.int64("seq"), 42);
  EXPECT_EQ(f.int64("neg"), -3);
  EXPECT_EQ(f.int64("max"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(f.int64("missing", false, 50), 50);
  EXPECT_TRUE(f.status().is_ok());
}

TEST(Fields, Int64WrongTypes) {
  for (const char* body : {R"({"seq": "42"})", R"({"seq": 4.5})", R"({"seq": 1.0})",
                           R"({"seq": true})", R"({"seq": [1]})",
                           R"({"seq": 9223372036854775808})"}) {
    auto o = obj(body);
    Fields f(o);
    EXPECT_EQ(f.int64("seq", true, 7), 7) << body;
    EXPECT_EQ(f.status().code(), Code::invalid_argument) << body;
    EXPECT_EQ(f.status().message(), "seq: must be an integer") << body;
  }
}

TEST(Fields, Int64MissingRequired) {
  auto o = obj(R"({"seq": null})");
  Fields f(o);
  EXPECT_EQ(f.int64("seq"), 0);
  EXPECT_EQ(f.status().message(), "seq: is required");
}

// ---- Fields::boolean ------------------------------------------------------------------

TEST(Fields, BooleanReadsBoolsAndFallsBack) {
  auto o = obj(R"({"token": true, "mention_all": false, "n": null})");
  Fields f(o);
  EXPECT_TRUE(f.boolean("token"));
  EXPECT_FALSE(f.boolean("mention_all", true));
  EXPECT_TRUE(f.boolean("missing", true));
  EXPECT_FALSE(f.boolean("missing"));
  EXPECT_TRUE(f.boolean("n", true));
  EXPECT_TRUE(f.status().is_ok());
}

TEST(Fields, BooleanWrongType) {
  for (const char* body : {R"({"token": 1})", R"({"token": "true"})", R"({"token": 0})"}) {
    auto o = obj(body);
    Fields f(o);
    EXPECT_TRUE(f.boolean("token", true)) << body;  // the fallback
    EXPECT_EQ(f.status().code(), Code::invalid_argument) << body;
    EXPECT_EQ(f.status().message(), "token: must be true or false") << body;
  }
}

// ---- Fields::ids ----------------------------------------------------------------------

TEST(Fields, IdsReadsPositiveIntegers) {
  auto o = obj(R"({"members": [3, 9, 3], "none": []})");
  Fields f(o);
  EXPECT_EQ(f.ids("members"), (Ids{3, 9, 3}));
  EXPECT_EQ(f.ids("none", true), Ids{});
  EXPECT_EQ(f.ids("missing"), Ids{});
  EXPECT_TRUE(f.status().is_ok());
}

TEST(Fields, IdsMissingRequired) {
  auto o = obj(R"({})");
  Fields f(o);
  EXPECT_EQ(f.ids("users", true), Ids{});
  EXPECT_EQ(f.status().code(), Code::invalid_argument);
  EXPECT_EQ(f.status().message(), "users: is required");
}

TEST(Fields, IdsWithNonPositiveOrNonIntegerValuesAreInvalid) {
  for (const char* body :
       {R"({"mentions": [1, 0]})", R"({"mentions": [-4]})", R"({"mentions": [1.5]})",
        R"({"mentions": [2.0]})", R"({"mentions": ["3"]})", R"({"mentions": [1, null]})",
        R"({"mentions": [true]})", R"({"mentions": [[1]]})",
        R"({"mentions": [18446744073709551615]})", R"({"mentions": 3})",
        R"({"mentions": "1,2"})", R"({"mentions": {"0": 1}})"}) {
    auto o = obj(body);
    Fields f(o);
    EXPECT_EQ(f.ids("mentions"), Ids{}) << body;  // nothing partial
    EXPECT_EQ(f.status().code(), Code::invalid_argument) << body;
    EXPECT_EQ(f.status().message(), "mentions: must be an array of ids") << body;
  }
}

// ---- First problem wins ---------------------------------------------------------------

TEST(Fields, TheFirstProblemIsKept) {
  auto o = obj(R"({"seq": "x", "users": [0]})");
  Fields f(o);
  f.str("client_id");
  f.int64("seq");
  f.ids("users");
  EXPECT_EQ(f.status().code(), Code::invalid_argument);
  EXPECT_EQ(f.status().message(), "client_id: is required");
}

TEST(Fields, LaterGoodFieldsDoNotClearAnEarlierProblem) {
  auto o = obj(R"({"seq": "x", "body": "ok"})");
  Fields f(o);
  f.int64("seq");
  EXPECT_EQ(f.str("body"), "ok");
  EXPECT_EQ(f.status().message(), "seq: must be an integer");
}

// ---- parse_id -------------------------------------------------------------------------

TEST(ParseId, AcceptsPositiveDecimalIds) {
  EXPECT_EQ(parse_id("1"), 1);
  EXPECT_EQ(parse_id("42"), 42);
  EXPECT_EQ(parse_id("007"), 7);
  EXPECT_EQ(parse_id("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
}

TEST(ParseId, RejectsEverythingElseWithZero) {
  for (const char* s : {"", "0", "-5", "+5", " 5", "5 ", "12a", "a12", "1.0", "0x10",
                        "9223372036854775808", "99999999999999999999"}) {
    EXPECT_EQ(parse_id(s), 0) << "'" << s << "'";
  }
}

}  // namespace
}  // namespace tonari::api
