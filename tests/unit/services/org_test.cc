#include "services/org.h"

#include <gtest/gtest.h>

namespace tonari::services::org {
namespace {

Department dept(DeptId id, DeptId parent, const std::string& name, const std::string& code) {
  Department d;
  d.id = id;
  d.tenant = 1;
  d.parent = parent;
  d.name = name;
  d.code = code;
  return d;
}

// 総務部 → 総務課 → 庶務係 and 総務部 → 税務課 → 庶務係: two sections of one name.
std::vector<Department> tree() {
  return {dept(1, 0, "総務部", "01"), dept(2, 1, "総務課", "0101"), dept(3, 1, "税務課", "0102"),
          dept(4, 2, "庶務係", "010101"), dept(5, 3, "庶務係", "010201"),
          dept(6, 0, "建設部", "02")};
}

TEST(Org, PathsRunFromTheTop) {
  auto all = tree();
  fill_paths(all);
  EXPECT_EQ(all[0].path, "総務部");
  EXPECT_EQ(all[3].path, "総務部/総務課/庶務係");
  EXPECT_EQ(all[4].path, "総務部/税務課/庶務係");
}

TEST(Org, ABrokenTreeStillHasPathsAndNeverLoops) {
  std::vector<Department> all{dept(1, 2, "甲", "a"), dept(2, 1, "乙", "b"), dept(3, 99, "丙", "c")};
  fill_paths(all);
  EXPECT_EQ(all[2].path, "丙");
  EXPECT_FALSE(all[0].path.empty());
}

TEST(Org, ResolvesByCodePathOrAUniqueName) {
  auto all = tree();
  EXPECT_EQ(resolve(all, "010201")->id, 5);
  EXPECT_EQ(resolve(all, "総務部/総務課/庶務係")->id, 4);
  EXPECT_EQ(resolve(all, "総務部/税務課/庶務係")->id, 5);
  EXPECT_EQ(resolve(all, "総務部/税務課/庶務係")->path, "総務部/税務課/庶務係");
  EXPECT_EQ(resolve(all, "税務課")->id, 3);
  EXPECT_EQ(resolve(all, "建設部")->id, 6);
}

TEST(Org, AnAmbiguousNameIsRefusedWithEveryCandidate) {
  auto r = resolve(tree(), "庶務係");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::invalid_argument);
  const auto& msg = r.status().message();
  EXPECT_NE(msg.find("総務部/総務課/庶務係 (code 010101)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("総務部/税務課/庶務係 (code 010201)"), std::string::npos) << msg;
}

TEST(Org, WhatMatchesNothingIsNotFound) {
  auto all = tree();
  EXPECT_EQ(resolve(all, "存在しない課").status().code(), Code::not_found);
  EXPECT_EQ(resolve(all, "総務部/庶務係").status().code(), Code::not_found);  // skips a level
  EXPECT_EQ(resolve(all, "/総務部").status().code(), Code::not_found);
  EXPECT_EQ(resolve(all, "").status().code(), Code::not_found);
}

TEST(Org, ACodeIsPlainCharacters) {
  EXPECT_TRUE(check_code("0101").is_ok());
  EXPECT_TRUE(check_code("soumu.shomu-1_A").is_ok());
  EXPECT_FALSE(check_code("").is_ok());
  EXPECT_FALSE(check_code("01/02").is_ok());
  EXPECT_FALSE(check_code("総務").is_ok());
  EXPECT_FALSE(check_code(std::string(33, '1')).is_ok());
}


TEST(Org, SubtreesFollowTheParents) {
  auto all = tree();
  EXPECT_TRUE(in_subtree(all, 4, 1));   // 庶務係 in 総務部
  EXPECT_TRUE(in_subtree(all, 2, 2));   // a department is in its own subtree
  EXPECT_FALSE(in_subtree(all, 1, 4));  // not upwards
  EXPECT_FALSE(in_subtree(all, 5, 2));  // nor sideways
  EXPECT_FALSE(in_subtree(all, 0, 1));
  std::vector<Department> loop{dept(1, 2, "甲", "a"), dept(2, 1, "乙", "b")};
  EXPECT_FALSE(in_subtree(loop, 1, 7));  // a cycle ends the walk
}

}  // namespace
}  // namespace tonari::services::org
