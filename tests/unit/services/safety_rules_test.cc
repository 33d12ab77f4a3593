#include "services/safety_rules.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "services/crypto.h"

namespace tonari::services {
namespace {

namespace json = boost::json;

Result<SafetyAnswerChecked> check(std::string_view answer) {
  return check_safety_answer(default_safety_questions(), json::parse(answer));
}

TEST(SafetyRules, TemplatesAreTheThreeBuiltIns) {
  ASSERT_EQ(safety_templates().size(), 3u);
  EXPECT_EQ(safety_templates()[0].key, "earthquake");
  const SafetyTemplate* drill = find_safety_template("drill");
  ASSERT_NE(drill, nullptr);
  EXPECT_TRUE(drill->training);
  EXPECT_FALSE(find_safety_template("earthquake")->training);
  EXPECT_EQ(find_safety_template("tsunami"), nullptr);
  // Each template's questions pass the checks a custom check gets.
  for (const auto& t : safety_templates()) {
    auto back = parse_safety_questions(safety_questions_value(t.questions));
    ASSERT_TRUE(back.ok()) << t.key << ": " << back.status().message();
    EXPECT_EQ(back->size(), t.questions.size());
  }
}

TEST(SafetyRules, QuestionsRoundTripAndRefusalsNameTheField) {
  auto qs = parse_safety_questions(json::parse(safety_questions_json(default_safety_questions())));
  ASSERT_TRUE(qs.ok());
  EXPECT_EQ((*qs)[0].options[2], "重傷");
  EXPECT_TRUE((*qs)[1].required);
  EXPECT_FALSE((*qs)[3].required);

  auto bad = [](std::string_view text) {
    auto r = parse_safety_questions(json::parse(text));
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.status().message();
  };
  EXPECT_NE(bad("[]").find("questions"), std::string::npos);
  EXPECT_NE(bad(R"([{"key":"A","label":"x","kind":"choice","options":["a","b"]}])").find("questions[0].key"),
            std::string::npos);
  EXPECT_NE(bad(R"([{"key":"a","label":"x","kind":"choice","options":["a"]}])").find("questions[0].options"),
            std::string::npos);
  EXPECT_NE(bad(R"([{"key":"a","label":"x","kind":"choice","options":["a","b"]},
                    {"key":"a","label":"y","kind":"text"}])").find("used twice"),
            std::string::npos);
  EXPECT_NE(bad(R"([{"key":"a","label":"x","kind":"text"}])").find("choice question"), std::string::npos);
  EXPECT_NE(bad(R"([{"key":"a","label":"x","kind":"map"}])").find("kind"), std::string::npos);
}

TEST(SafetyRules, AnAnswerIsNormalizedWithItsPicks) {
  auto a = check(R"({"status":0,"work":2,"location":{"text":"本庁舎"},"comment":"徒歩で向かいます"})");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->picks, (std::vector<int>{0, 2, -1, -1}));
  auto back = json::parse(a->json).as_object();
  EXPECT_EQ(back.at("location").at("text").as_string(), "本庁舎");

  auto pos = check(R"({"status":1,"work":1,"location":{"lat":37.39,"lon":136.9},"comment":"  "})");
  ASSERT_TRUE(pos.ok());
  auto o = json::parse(pos->json).as_object();
  EXPECT_FALSE(o.contains("comment"));  // blank: unanswered
  EXPECT_DOUBLE_EQ(o.at("location").at("lat").as_double(), 37.39);
}

TEST(SafetyRules, BadAnswersAreRefusedPrecisely) {
  auto msg = [](std::string_view text) {
    auto r = check(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), Code::invalid_argument);
    return r.status().message();
  };
  EXPECT_NE(msg(R"({"status":3,"work":0})").find("answer.status: an option index 0..2"), std::string::npos);
  EXPECT_NE(msg(R"({"status":0})").find("answer.work: is required"), std::string::npos);
  EXPECT_NE(msg(R"({"status":0,"work":0,"pet":1})").find("answer.pet: no such question"), std::string::npos);
  EXPECT_NE(msg(R"({"status":"無事","work":0})").find("answer.status"), std::string::npos);
  EXPECT_NE(msg(R"({"status":0,"work":0,"location":{"lat":91,"lon":0}})").find("lat -90..90"), std::string::npos);
  EXPECT_NE(msg(R"({"status":0,"work":0,"location":{"lat":1}})").find("answer.location"), std::string::npos);
  EXPECT_NE(msg(R"([1])").find("answer:"), std::string::npos);
}

TEST(SafetyRules, WebhookSignatures) {
  ASSERT_TRUE(init_crypto());
  const std::string body = R"({"event_id":"eq-1"})";
  const std::int64_t now = 1'800'000'000;
  const std::string good = "t=" + std::to_string(now) + ",v1=" + webhook_signature("s3cret", now, body);
  EXPECT_TRUE(check_webhook_signature(good, body, "s3cret", now).is_ok());
  EXPECT_TRUE(check_webhook_signature(good, body, "s3cret", now + 299).is_ok());
  // Rotating: an old and a new signature side by side.
  EXPECT_TRUE(check_webhook_signature("t=" + std::to_string(now) + ",v1=00ff,v1=" +
                                          webhook_signature("s3cret", now, body),
                                      body, "s3cret", now).is_ok());
  auto refused = [&](std::string_view header, std::string_view b, std::string_view secret, std::int64_t at) {
    Status st = check_webhook_signature(header, b, secret, at);
    EXPECT_EQ(st.code(), Code::unauthenticated) << header;
    return st.message();
  };
  EXPECT_NE(refused("", body, "s3cret", now).find("missing"), std::string::npos);
  EXPECT_NE(refused(good, body, "other", now).find("does not match"), std::string::npos);
  EXPECT_NE(refused(good, body + " ", "s3cret", now).find("does not match"), std::string::npos);
  EXPECT_NE(refused(good, body, "s3cret", now + 301).find("minutes"), std::string::npos);
  EXPECT_NE(refused("v1=abc", body, "s3cret", now).find("expected"), std::string::npos);
  EXPECT_NE(refused(good, body, "", now).find("no webhook secret"), std::string::npos);
  // A known test vector: HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"),
  // split so that t="The quick brown fox jumps over the lazy dog" is not needed.
  EXPECT_EQ(webhook_signature("key", 1, "x").size(), 64u);
}

}  // namespace
}  // namespace tonari::services
