// 安否確認 through the services on a SQLite store: one safety.started event for every
// target, the coalesced tally (one safety.updated per check per period, to the managers
// only), an idempotent retry that notes nothing, and the refusals of the policy.
#include "services/safety.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "services/test_fakes.h"
#include "store/test_store.h"

namespace tonari::testing {
namespace {

namespace json = boost::json;

class SafetyTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ctx_ = std::make_unique<services::Context>(services::Context{
        store(), bus_, clock_, [](std::function<void()> f) { f(); }, services::Limits{}});
    ctx_->limits.tally_flush_period_ms = 1000;
    tallies_ = std::make_unique<services::SafetyTallies>(*ctx_);
    safety_ = std::make_unique<services::Safety>(*ctx_, *tallies_);
    alice_ = must(wait<User>([&](auto cb) { store().set_user_flags(alice_.id, true, false, cb); }));
  }
  void TearDown() override {
    safety_.reset();
    tallies_.reset();
    ctx_.reset();
    SqliteStoreTest::TearDown();
  }

  services::Actor actor(const User& u) { return services::Actor{u, u.tenant == tenant_.id ? tenant_ : other_tenant_, {}, {}}; }

  store::SafetyCheck start(const User& by) {
    services::SafetyRequest r;
    r.template_key = "earthquake";
    return must(wait<store::SafetyCheck>([&](auto cb) { safety_->start(actor(by), r, cb); }));
  }
  Result<store::SafetyAnswered> answer(const User& by, store::SafetyId id, const std::string& client_id,
                                       std::string_view ans, UserId for_user = 0) {
    const json::value v = json::parse(ans);
    return wait<store::SafetyAnswered>(
        [&](auto cb) { safety_->answer(actor(by), id, client_id, v, for_user, false, cb); });
  }
  std::vector<bus::Event> frames(std::string_view type) {
    std::vector<bus::Event> out;
    for (const bus::Event& e : bus_.events()) {
      if (json::parse(*e.frame).at("type").as_string() == type) out.push_back(e);
    }
    return out;
  }

  FakeClock clock_{kT0 + 60'000};
  CapturingBus bus_{clock_};
  std::unique_ptr<services::Context> ctx_;
  std::unique_ptr<services::SafetyTallies> tallies_;
  std::unique_ptr<services::Safety> safety_;
};

TEST_F(SafetyTest, OneStartEventForEveryTargetAndACoalescedTally) {
  const store::SafetyCheck c = start(alice_);
  auto started = frames("safety.started");
  ASSERT_EQ(started.size(), 1u);
  std::vector<UserId> to = started[0].to_users;
  std::sort(to.begin(), to.end());
  EXPECT_EQ(to, (std::vector<UserId>{alice_.id, bob_.id, carol_.id, dave_.id}));

  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(answer(bob_, c.id, "b" + std::to_string(i), R"({"status":0,"work":0})").ok());
  }
  ASSERT_TRUE(answer(carol_, c.id, "c1", R"({"status":2,"work":1})").ok());
  EXPECT_EQ(tallies_->flush_due(), 1u);
  auto updated = frames("safety.updated");
  ASSERT_EQ(updated.size(), 1u);
  EXPECT_EQ(updated[0].to_users, std::vector<UserId>{alice_.id});  // the manager only
  auto tally = json::parse(*updated[0].frame).at("tally").at("total").as_object();
  EXPECT_EQ(tally.at("answered").as_int64(), 2);
  EXPECT_EQ(tally.at("targets").as_int64(), 4);

  // Within the period: held; after it, one more.
  ASSERT_TRUE(answer(dave_, c.id, "d1", R"({"status":1,"work":2})").ok());
  EXPECT_EQ(tallies_->flush_due(), 0u);
  clock_.advance(1000);
  EXPECT_EQ(tallies_->flush_due(), 1u);
  EXPECT_EQ(frames("safety.updated").size(), 2u);

  // A retried client_id changes nothing and notes nothing.
  clock_.advance(1000);
  auto retry = answer(dave_, c.id, "d1", R"({"status":1,"work":2})");
  ASSERT_TRUE(retry.ok());
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(tallies_->flush_due(), 0u);
}

TEST_F(SafetyTest, RefusalsChangeNothing) {
  const store::SafetyCheck c = start(alice_);
  // Staff may not start; nor answer for others; another municipality does not see it.
  services::SafetyRequest r;
  EXPECT_EQ(wait<store::SafetyCheck>([&](auto cb) { safety_->start(actor(bob_), r, cb); }).status().code(),
            Code::permission_denied);
  EXPECT_EQ(answer(bob_, c.id, "x", R"({"status":0,"work":0})", carol_.id).status().code(), Code::permission_denied);
  EXPECT_EQ(answer(eve_, c.id, "x", R"({"status":0,"work":0})").status().code(), Code::not_found);
  EXPECT_EQ(answer(bob_, c.id, "x", R"({"status":7,"work":0})").status().code(), Code::invalid_argument);
  EXPECT_EQ(tallies_->flush_due(), 0u);
  // 代理回答 by the 危機管理 user is recorded as such.
  auto proxy = answer(alice_, c.id, "p", R"({"status":0,"work":0})", carol_.id);
  ASSERT_TRUE(proxy.ok()) << proxy.status().message();
  EXPECT_TRUE(proxy->answer.proxy);
  EXPECT_EQ(proxy->answer.by, alice_.id);
  // Closed: conflict, and the targets are told.
  ASSERT_TRUE(wait<store::SafetyCheck>([&](auto cb) { safety_->close(actor(alice_), c.id, cb); }).ok());
  EXPECT_EQ(answer(bob_, c.id, "late", R"({"status":0,"work":0})").status().code(), Code::conflict);
  ASSERT_EQ(frames("safety.closed").size(), 1u);
  EXPECT_EQ(frames("safety.closed")[0].to_users.size(), 4u);
}

}  // namespace
}  // namespace tonari::testing
