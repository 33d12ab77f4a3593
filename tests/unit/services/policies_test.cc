#include "services/policies.h"

#include <gtest/gtest.h>

#include <optional>

namespace tonari::services::policy {
namespace {

constexpr TenantId kTenant = 1;
constexpr TenantId kOtherTenant = 2;

User make_user(UserId id, TenantId tenant, Role role = Role::staff) {
  User u;
  u.id = id;
  u.tenant = tenant;
  u.role = role;
  u.name = "user" + std::to_string(id);
  return u;
}

Room make_room(RoomId id, TenantId tenant, RoomKind kind) {
  Room r;
  r.id = id;
  r.tenant = tenant;
  r.kind = kind;
  r.name = kind == RoomKind::group ? "係の部屋" : "";
  return r;
}

std::optional<Member> member_of(UserId id, MemberRole role = MemberRole::member) {
  return Member{id, role, 0};
}

Message message_from(UserId sender, bool deleted = false) {
  Message m;
  m.id = 100;
  m.room = 5;
  m.seq = 1;
  m.sender = sender;
  m.deleted = deleted;
  return m;
}

class PoliciesTest : public ::testing::Test {
 protected:
  const User staff_ = make_user(10, kTenant);
  const User owner_ = make_user(11, kTenant);
  const User admin_ = make_user(12, kTenant, Role::admin);
  const User outsider_ = make_user(13, kOtherTenant);
  const User other_admin_ = make_user(14, kOtherTenant, Role::admin);
  const Room group_ = make_room(5, kTenant, RoomKind::group);
  const Room direct_ = make_room(6, kTenant, RoomKind::direct);
  const Room foreign_group_ = make_room(7, kOtherTenant, RoomKind::group);
};

// ---- Users ----------------------------------------------------------------------------

TEST_F(PoliciesTest, CanSeeUserOnlyInOwnTenantDisabledToo) {
  EXPECT_TRUE(can_see_user(staff_, owner_).is_ok());
  EXPECT_TRUE(can_see_user(staff_, staff_).is_ok());
  Status other = can_see_user(staff_, outsider_);
  EXPECT_EQ(other.code(), Code::not_found);
  EXPECT_EQ(other.message(), "user 13 not found");
  EXPECT_EQ(can_see_user(other_admin_, staff_).code(), Code::not_found);  // admins too
  User disabled = make_user(20, kTenant);
  disabled.disabled = true;
  // Shown, marked 利用停止 (the directory search leaves them out).
  EXPECT_TRUE(can_see_user(staff_, disabled).is_ok());
  EXPECT_TRUE(can_see_user(admin_, disabled).is_ok());
}

TEST_F(PoliciesTest, CanContactFollowsVisibility) {
  EXPECT_TRUE(can_contact(staff_, owner_).is_ok());
  EXPECT_EQ(can_contact(staff_, outsider_).code(), Code::not_found);
  User disabled = make_user(20, kTenant);
  disabled.disabled = true;
  EXPECT_EQ(can_contact(staff_, disabled).code(), Code::not_found);
}

// ---- Reading and posting --------------------------------------------------------------

TEST_F(PoliciesTest, CanReadRoomNeedsMembershipInOwnTenant) {
  EXPECT_TRUE(can_read_room(staff_, group_, member_of(staff_.id)).is_ok());
  EXPECT_TRUE(can_read_room(staff_, direct_, member_of(staff_.id)).is_ok());
  Status non_member = can_read_room(staff_, group_, std::nullopt);
  EXPECT_EQ(non_member.code(), Code::not_found);
  EXPECT_EQ(non_member.message(), "room 5 not found");
  // Being an administrator does not open other people's rooms.
  EXPECT_EQ(can_read_room(admin_, group_, std::nullopt).code(), Code::not_found);
  // Another tenant's room is hidden even if a membership row were passed in.
  EXPECT_EQ(can_read_room(staff_, foreign_group_, member_of(staff_.id)).code(), Code::not_found);
  EXPECT_EQ(can_read_room(outsider_, group_, member_of(outsider_.id)).code(), Code::not_found);
}

TEST_F(PoliciesTest, CanPostNeedsMembershipInOwnTenant) {
  EXPECT_TRUE(can_post(staff_, group_, member_of(staff_.id)).is_ok());
  EXPECT_TRUE(can_post(staff_, direct_, member_of(staff_.id)).is_ok());
  EXPECT_EQ(can_post(staff_, group_, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_post(admin_, group_, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_post(outsider_, group_, member_of(outsider_.id)).code(), Code::not_found);
}

// ---- Membership -----------------------------------------------------------------------

TEST_F(PoliciesTest, AnyMemberMayAddMembersToAGroupRoom) {
  EXPECT_TRUE(can_add_members(staff_, group_, member_of(staff_.id)).is_ok());
  EXPECT_TRUE(can_add_members(owner_, group_, member_of(owner_.id, MemberRole::owner)).is_ok());
  EXPECT_EQ(can_add_members(staff_, group_, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_add_members(outsider_, group_, member_of(outsider_.id)).code(), Code::not_found);
  EXPECT_EQ(can_add_members(staff_, foreign_group_, member_of(staff_.id)).code(),
            Code::not_found);
}

TEST_F(PoliciesTest, DirectRoomsCannotChangeMembers) {
  EXPECT_EQ(can_add_members(staff_, direct_, member_of(staff_.id)).code(),
            Code::permission_denied);
  EXPECT_EQ(can_add_members(admin_, direct_, member_of(admin_.id, MemberRole::owner)).code(),
            Code::permission_denied);
  EXPECT_EQ(can_remove_member(staff_, direct_, member_of(staff_.id), owner_.id).code(),
            Code::permission_denied);
  // Not even leaving, and not even for the owner or an administrator.
  EXPECT_EQ(can_remove_member(staff_, direct_, member_of(staff_.id), staff_.id).code(),
            Code::permission_denied);
  EXPECT_EQ(can_remove_member(owner_, direct_, member_of(owner_.id, MemberRole::owner),
                              staff_.id).code(),
            Code::permission_denied);
  EXPECT_EQ(can_remove_member(admin_, direct_, member_of(admin_.id), staff_.id).code(),
            Code::permission_denied);
  // A non-member still learns nothing about the direct room.
  EXPECT_EQ(can_add_members(staff_, direct_, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_remove_member(staff_, direct_, std::nullopt, staff_.id).code(), Code::not_found);
}

TEST_F(PoliciesTest, OnlyOwnerOrAdminRemovesOthers) {
  EXPECT_TRUE(
      can_remove_member(owner_, group_, member_of(owner_.id, MemberRole::owner), staff_.id)
          .is_ok());
  EXPECT_TRUE(can_remove_member(admin_, group_, member_of(admin_.id), staff_.id).is_ok());
  Status plain = can_remove_member(staff_, group_, member_of(staff_.id), owner_.id);
  EXPECT_EQ(plain.code(), Code::permission_denied);
  EXPECT_EQ(can_remove_member(staff_, group_, member_of(staff_.id), admin_.id).code(),
            Code::permission_denied);
}

TEST_F(PoliciesTest, LeavingIsAllowedForEveryMember) {
  EXPECT_TRUE(can_remove_member(staff_, group_, member_of(staff_.id), staff_.id).is_ok());
  EXPECT_TRUE(
      can_remove_member(owner_, group_, member_of(owner_.id, MemberRole::owner), owner_.id)
          .is_ok());
}

TEST_F(PoliciesTest, RemovingIsHiddenFromNonMembersAndOtherTenants) {
  EXPECT_EQ(can_remove_member(staff_, group_, std::nullopt, owner_.id).code(), Code::not_found);
  EXPECT_EQ(can_remove_member(staff_, group_, std::nullopt, staff_.id).code(), Code::not_found);
  // A municipality admin manages every group room of theirs, member or not.
  EXPECT_TRUE(can_remove_member(admin_, group_, std::nullopt, staff_.id).is_ok());
  // A room admin removes members, not the owners or other admins; owners remove anyone.
  EXPECT_EQ(can_remove_member(staff_, group_, member_of(staff_.id, MemberRole::admin), owner_.id,
                              MemberRole::owner).code(),
            Code::permission_denied);
  EXPECT_TRUE(can_remove_member(staff_, group_, member_of(staff_.id, MemberRole::admin), owner_.id,
                                MemberRole::member).is_ok());
  EXPECT_TRUE(can_remove_member(owner_, group_, member_of(owner_.id, MemberRole::owner), staff_.id,
                                MemberRole::admin).is_ok());
  EXPECT_EQ(can_remove_member(admin_, direct_, std::nullopt, staff_.id).code(), Code::not_found);
  // Another municipality's admin, even with a membership row, gets not_found.
  EXPECT_EQ(can_remove_member(other_admin_, group_, member_of(other_admin_.id, MemberRole::owner),
                              staff_.id).code(),
            Code::not_found);
}

TEST_F(PoliciesTest, UpdatingARoomFollowsItsRules) {
  store::RoomPatch rename;
  rename.name = "新しい名前";
  // Members rename only where rules.members_edit says so (not by default).
  EXPECT_EQ(can_update_room(staff_, group_, member_of(staff_.id), rename).code(),
            Code::permission_denied);
  Room open = group_;
  open.rules.members_edit = true;
  EXPECT_TRUE(can_update_room(staff_, open, member_of(staff_.id), rename).is_ok());
  EXPECT_TRUE(can_update_room(staff_, group_, member_of(staff_.id, MemberRole::admin), rename).is_ok());
  EXPECT_TRUE(can_update_room(admin_, group_, std::nullopt, rename).is_ok());
  EXPECT_EQ(can_update_room(staff_, direct_, member_of(staff_.id), rename).code(),
            Code::permission_denied);
  EXPECT_EQ(can_update_room(staff_, group_, std::nullopt, rename).code(), Code::not_found);
  EXPECT_EQ(can_update_room(outsider_, group_, member_of(outsider_.id), rename).code(),
            Code::not_found);
  EXPECT_EQ(can_update_room(other_admin_, group_, std::nullopt, rename).code(), Code::not_found);

  // Rules: owners/admins; official and sync: tenant admins only.
  store::RoomPatch announce;
  announce.rules = group_.rules;
  announce.rules->announcement = true;
  EXPECT_TRUE(can_update_room(owner_, group_, member_of(owner_.id, MemberRole::owner), announce).is_ok());
  EXPECT_EQ(can_update_room(staff_, open, member_of(staff_.id), announce).code(),
            Code::permission_denied);
  store::RoomPatch official;
  official.rules = group_.rules;
  official.rules->official = true;
  official.rules->sync.kind = OrgSync::Kind::tenant;
  EXPECT_EQ(can_update_room(owner_, group_, member_of(owner_.id, MemberRole::owner), official).code(),
            Code::permission_denied);
  EXPECT_TRUE(can_update_room(admin_, group_, std::nullopt, official).is_ok());
  // The same rules again change nothing, so they need no right.
  store::RoomPatch same;
  same.rules = group_.rules;
  EXPECT_TRUE(can_update_room(owner_, group_, member_of(owner_.id, MemberRole::owner), same).is_ok());
}

TEST_F(PoliciesTest, OnlyOwnersAndTenantAdminsSetRoles) {
  EXPECT_TRUE(can_set_role(owner_, group_, member_of(owner_.id, MemberRole::owner), staff_.id,
                           MemberRole::admin).is_ok());
  EXPECT_TRUE(can_set_role(admin_, group_, std::nullopt, staff_.id, MemberRole::owner).is_ok());
  EXPECT_EQ(can_set_role(staff_, group_, member_of(staff_.id, MemberRole::admin), owner_.id,
                         MemberRole::member).code(),
            Code::permission_denied);
  EXPECT_EQ(can_set_role(staff_, group_, std::nullopt, owner_.id, MemberRole::member).code(),
            Code::not_found);
  EXPECT_EQ(can_set_role(owner_, direct_, member_of(owner_.id, MemberRole::owner), staff_.id,
                         MemberRole::admin).code(),
            Code::permission_denied);
}

TEST_F(PoliciesTest, AnnouncementRoomsTakePostsFromOwnersAdminsAndTenantAdmins) {
  Room r = group_;
  r.rules.announcement = true;
  EXPECT_EQ(can_post(staff_, r, member_of(staff_.id)).code(), Code::permission_denied);
  EXPECT_TRUE(can_post(staff_, r, member_of(staff_.id, MemberRole::admin)).is_ok());
  EXPECT_TRUE(can_post(owner_, r, member_of(owner_.id, MemberRole::owner)).is_ok());
  EXPECT_TRUE(can_post(admin_, r, member_of(admin_.id)).is_ok());
  // A tenant admin who is not a member manages the room but does not post in it.
  EXPECT_EQ(can_post(admin_, r, std::nullopt).code(), Code::not_found);
}

TEST_F(PoliciesTest, OfficialRoomsCannotBeLeftButMembersCanBeRemoved) {
  Room r = group_;
  r.rules.official = true;
  EXPECT_EQ(can_remove_member(staff_, r, member_of(staff_.id), staff_.id).code(),
            Code::permission_denied);
  EXPECT_EQ(can_remove_member(owner_, r, member_of(owner_.id, MemberRole::owner), owner_.id).code(),
            Code::permission_denied);
  EXPECT_TRUE(can_remove_member(admin_, r, member_of(admin_.id), admin_.id).is_ok());
  EXPECT_TRUE(can_remove_member(owner_, r, member_of(owner_.id, MemberRole::owner), staff_.id).is_ok());
  EXPECT_TRUE(can_remove_member(admin_, r, std::nullopt, staff_.id).is_ok());
}

TEST_F(PoliciesTest, MembersInviteUnlessTheRulesSayOtherwise) {
  Room closed = group_;
  closed.rules.members_invite = false;
  EXPECT_EQ(can_add_members(staff_, closed, member_of(staff_.id)).code(), Code::permission_denied);
  EXPECT_TRUE(can_add_members(staff_, closed, member_of(staff_.id, MemberRole::admin)).is_ok());
  EXPECT_TRUE(can_add_members(admin_, closed, std::nullopt).is_ok());
}

// The table of policies.h, row by row: what each kind of user may do in a group room.
TEST_F(PoliciesTest, AbilitiesTable) {
  struct Row {
    const char* who;
    User actor;
    std::optional<Member> m;
    RoomAbilities want;
  };
  //                         post  info  invite remove leave roles rules official pin notes
  const RoomAbilities owner{true, true, true, true, true, true, true, false, true, true};
  const RoomAbilities radmin{true, true, true, true, true, false, true, false, true, true};
  const RoomAbilities member{true, false, true, false, true, false, false, false, true, true};
  const RoomAbilities tadmin{true, true, true, true, true, true, true, true, true, true};
  const RoomAbilities tadmin_out{false, true, true, true, false, true, true, true, false, false};
  const RoomAbilities none{};
  const std::vector<Row> rows = {
      {"owner", owner_, member_of(owner_.id, MemberRole::owner), owner},
      {"room admin", staff_, member_of(staff_.id, MemberRole::admin), radmin},
      {"member", staff_, member_of(staff_.id), member},
      {"tenant admin, member", admin_, member_of(admin_.id), tadmin},
      {"tenant admin, not a member", admin_, std::nullopt, tadmin_out},
      {"non-member", staff_, std::nullopt, none},
      {"another municipality's admin", other_admin_, std::nullopt, none},
  };
  auto same = [](const RoomAbilities& a, const RoomAbilities& b) {
    return a.post == b.post && a.edit_info == b.edit_info && a.invite == b.invite &&
           a.remove == b.remove && a.leave == b.leave && a.set_roles == b.set_roles &&
           a.edit_rules == b.edit_rules && a.edit_official == b.edit_official &&
           a.pin == b.pin && a.edit_notes == b.edit_notes;
  };
  for (const Row& r : rows) EXPECT_TRUE(same(abilities(r.actor, group_, r.m), r.want)) << r.who;

  Room announce = group_;
  announce.rules.announcement = true;
  announce.rules.official = true;
  const RoomAbilities a = abilities(staff_, announce, member_of(staff_.id));
  EXPECT_FALSE(a.post);
  EXPECT_FALSE(a.leave);
  // In an announcement room the members read the notes and pins.
  EXPECT_FALSE(a.pin);
  EXPECT_FALSE(a.edit_notes);
  EXPECT_TRUE(abilities(admin_, announce, member_of(admin_.id)).post);
  EXPECT_TRUE(abilities(admin_, announce, member_of(admin_.id)).leave);
  EXPECT_TRUE(abilities(staff_, announce, member_of(staff_.id, MemberRole::admin)).edit_notes);
  // A 1:1 room: members post, pin and write notes, nothing else.
  const RoomAbilities d = abilities(admin_, direct_, member_of(admin_.id));
  EXPECT_TRUE(same(d, RoomAbilities{true, false, false, false, false, false, false, false, true, true}));
  EXPECT_TRUE(same(abilities(admin_, direct_, std::nullopt), none));
}

// ---- Working together: reactions, action stamps, notes, pins ---------------------------

TEST_F(PoliciesTest, AnyMemberReactsAndAnswersAnnouncementRoomsIncluded) {
  Room announce = group_;
  announce.rules.announcement = true;
  for (const Room* r : std::vector<const Room*>{&group_, &announce, &direct_}) {
    EXPECT_TRUE(can_react(staff_, *r, member_of(staff_.id)).is_ok());
    EXPECT_TRUE(can_answer(staff_, *r, member_of(staff_.id)).is_ok());
  }
  // A tenant admin who is not a member manages the room but does not react or answer in it.
  EXPECT_EQ(can_react(admin_, group_, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_answer(admin_, group_, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_react(staff_, group_, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_react(outsider_, group_, member_of(outsider_.id)).code(), Code::not_found);
  EXPECT_EQ(can_answer(staff_, foreign_group_, member_of(staff_.id)).code(), Code::not_found);
}

TEST_F(PoliciesTest, TheAskerOwnersAdminsAndTenantAdminsManageAnAction) {
  const UserId asker = 30;
  const User asker_user = make_user(asker, kTenant);
  EXPECT_TRUE(can_manage_action(asker_user, group_, member_of(asker), asker).is_ok());
  EXPECT_TRUE(can_manage_action(owner_, group_, member_of(owner_.id, MemberRole::owner), asker).is_ok());
  EXPECT_TRUE(can_manage_action(staff_, group_, member_of(staff_.id, MemberRole::admin), asker).is_ok());
  EXPECT_TRUE(can_manage_action(admin_, group_, member_of(admin_.id), asker).is_ok());
  EXPECT_EQ(can_manage_action(staff_, group_, member_of(staff_.id), asker).code(),
            Code::permission_denied);
  // A tenant admin must be a member; others learn nothing.
  EXPECT_EQ(can_manage_action(admin_, group_, std::nullopt, asker).code(), Code::not_found);
  EXPECT_EQ(can_manage_action(outsider_, group_, member_of(outsider_.id), outsider_.id).code(),
            Code::not_found);
  // In a 1:1 room roles carry no rights: the asker only.
  EXPECT_TRUE(can_manage_action(asker_user, direct_, member_of(asker, MemberRole::owner), asker).is_ok());
  EXPECT_EQ(can_manage_action(staff_, direct_, member_of(staff_.id, MemberRole::owner), asker).code(),
            Code::permission_denied);
}

TEST_F(PoliciesTest, AcksAreForMembersButTheSenderWhoListsAndReminds) {
  const UserId sender = 30;
  const User sender_user = make_user(sender, kTenant);
  // Any member acknowledges, in an announcement room too; not the sender; others learn nothing.
  EXPECT_TRUE(can_ack(staff_, group_, member_of(staff_.id), sender).is_ok());
  EXPECT_EQ(can_ack(sender_user, group_, member_of(sender), sender).code(), Code::permission_denied);
  EXPECT_EQ(can_ack(staff_, group_, std::nullopt, sender).code(), Code::not_found);
  EXPECT_EQ(can_ack(outsider_, group_, member_of(outsider_.id), sender).code(), Code::not_found);
  // The lists and reminders: the sender, owners, admins, a tenant admin who is a member.
  for (auto rule : {&can_see_acks, &can_remind_acks}) {
    EXPECT_TRUE(rule(sender_user, group_, member_of(sender), sender).is_ok());
    EXPECT_TRUE(rule(owner_, group_, member_of(owner_.id, MemberRole::owner), sender).is_ok());
    EXPECT_TRUE(rule(staff_, group_, member_of(staff_.id, MemberRole::admin), sender).is_ok());
    EXPECT_TRUE(rule(admin_, group_, member_of(admin_.id), sender).is_ok());
    EXPECT_EQ(rule(staff_, group_, member_of(staff_.id), sender).code(), Code::permission_denied);
    EXPECT_EQ(rule(admin_, group_, std::nullopt, sender).code(), Code::not_found);
    EXPECT_EQ(rule(outsider_, group_, member_of(outsider_.id), outsider_.id).code(), Code::not_found);
  }
}

TEST_F(PoliciesTest, WhoSeesAnswersCountsAndPending) {
  const UserId asker = 30;
  const User asker_user = make_user(asker, kTenant);
  ActionSpec open;
  ActionSpec closed_results;
  closed_results.results_public = false;
  ActionSpec anonymous;
  anonymous.anonymous = true;
  ActionSpec anonymous_private = anonymous;
  anonymous_private.results_public = false;

  struct Row {
    const char* what;
    const ActionSpec& spec;
    bool asker_answers, member_answers, asker_counts, member_counts, asker_pending, member_pending;
  };
  const std::vector<Row> rows = {
      {"public", open, true, true, true, true, true, true},
      {"results for the asker", closed_results, true, false, true, false, true, false},
      {"anonymous", anonymous, false, false, true, true, false, false},
      {"anonymous, for the asker", anonymous_private, false, false, true, false, false, false},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(can_see_answers(asker_user, group_, member_of(asker), asker, r.spec).is_ok(),
              r.asker_answers) << r.what;
    EXPECT_EQ(can_see_answers(staff_, group_, member_of(staff_.id), asker, r.spec).is_ok(),
              r.member_answers) << r.what;
    EXPECT_EQ(can_see_counts(asker_user, asker, r.spec), r.asker_counts) << r.what;
    EXPECT_EQ(can_see_counts(staff_, asker, r.spec), r.member_counts) << r.what;
    EXPECT_EQ(can_see_pending(asker_user, group_, member_of(asker), asker, r.spec).is_ok(),
              r.asker_pending) << r.what;
    EXPECT_EQ(can_see_pending(staff_, group_, member_of(staff_.id), asker, r.spec).is_ok(),
              r.member_pending) << r.what;
    // Refused to a member: permission_denied; to a non-member: not_found.
    if (!r.member_answers) {
      EXPECT_EQ(can_see_answers(staff_, group_, member_of(staff_.id), asker, r.spec).code(),
                Code::permission_denied) << r.what;
    }
    EXPECT_EQ(can_see_answers(staff_, group_, std::nullopt, asker, r.spec).code(), Code::not_found);
    EXPECT_EQ(can_see_pending(outsider_, group_, member_of(outsider_.id), asker, r.spec).code(),
              Code::not_found);
  }
  // Room owners see no more than members: the asker's choice holds.
  EXPECT_EQ(can_see_answers(owner_, group_, member_of(owner_.id, MemberRole::owner), asker,
                            closed_results).code(),
            Code::permission_denied);
}

TEST_F(PoliciesTest, NotesAndPinsAsPosting) {
  Room announce = group_;
  announce.rules.announcement = true;
  EXPECT_TRUE(can_edit_notes(staff_, group_, member_of(staff_.id)).is_ok());
  EXPECT_TRUE(can_pin(staff_, group_, member_of(staff_.id)).is_ok());
  EXPECT_TRUE(can_pin(staff_, direct_, member_of(staff_.id)).is_ok());
  EXPECT_EQ(can_edit_notes(staff_, announce, member_of(staff_.id)).code(), Code::permission_denied);
  EXPECT_EQ(can_pin(staff_, announce, member_of(staff_.id)).code(), Code::permission_denied);
  EXPECT_TRUE(can_edit_notes(staff_, announce, member_of(staff_.id, MemberRole::admin)).is_ok());
  EXPECT_TRUE(can_pin(admin_, announce, member_of(admin_.id)).is_ok());
  EXPECT_EQ(can_edit_notes(admin_, group_, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_pin(outsider_, group_, member_of(outsider_.id)).code(), Code::not_found);
}

TEST_F(PoliciesTest, TheCreatorOwnersAdminsAndTenantAdminsDeleteANote) {
  const UserId creator = staff_.id;
  EXPECT_TRUE(can_delete_note(staff_, group_, member_of(staff_.id), creator).is_ok());
  EXPECT_TRUE(can_delete_note(owner_, group_, member_of(owner_.id, MemberRole::owner), creator).is_ok());
  EXPECT_TRUE(can_delete_note(admin_, group_, member_of(admin_.id), creator).is_ok());
  const User other = make_user(31, kTenant);
  EXPECT_EQ(can_delete_note(other, group_, member_of(other.id), creator).code(),
            Code::permission_denied);
  // A creator who may no longer edit notes (the room became an announcement room).
  Room announce = group_;
  announce.rules.announcement = true;
  EXPECT_EQ(can_delete_note(staff_, announce, member_of(staff_.id), creator).code(),
            Code::permission_denied);
  EXPECT_EQ(can_delete_note(admin_, group_, std::nullopt, creator).code(), Code::not_found);
  EXPECT_TRUE(can_delete_note(staff_, direct_, member_of(staff_.id), creator).is_ok());
  EXPECT_EQ(can_delete_note(other, direct_, member_of(other.id, MemberRole::owner), creator).code(),
            Code::permission_denied);
}

// ---- Messages -------------------------------------------------------------------------

TEST_F(PoliciesTest, OnlyTheSenderEditsAndOnlyUndeletedMessages) {
  EXPECT_TRUE(can_edit_message(staff_, message_from(staff_.id)).is_ok());
  EXPECT_EQ(can_edit_message(owner_, message_from(staff_.id)).code(), Code::permission_denied);
  EXPECT_EQ(can_edit_message(admin_, message_from(staff_.id)).code(), Code::permission_denied);
  EXPECT_EQ(can_edit_message(staff_, message_from(staff_.id, true)).code(),
            Code::invalid_argument);
  EXPECT_EQ(can_edit_message(owner_, message_from(staff_.id, true)).code(),
            Code::permission_denied);
}

TEST_F(PoliciesTest, OnlyTheSenderDeletes) {
  EXPECT_TRUE(can_delete_message(staff_, message_from(staff_.id)).is_ok());
  EXPECT_TRUE(can_delete_message(staff_, message_from(staff_.id, true)).is_ok());
  EXPECT_EQ(can_delete_message(owner_, message_from(staff_.id)).code(), Code::permission_denied);
  EXPECT_EQ(can_delete_message(admin_, message_from(staff_.id)).code(), Code::permission_denied);
}

// Taking over a room: a municipality's administrator, any group room of theirs, member or
// not; nobody else, and no 1:1 room.
TEST(TakeOverPolicy, OnlyAnAdministratorOfTheMunicipalityForAGroupRoom) {
  const User admin = make_user(1, kTenant, Role::admin);
  const User staff = make_user(2, kTenant);
  const User foreign_admin = make_user(3, kOtherTenant, Role::admin);
  const Room group = make_room(5, kTenant, RoomKind::group);
  const Room direct = make_room(6, kTenant, RoomKind::direct);
  EXPECT_TRUE(can_take_over(admin, group, std::nullopt).is_ok());
  EXPECT_TRUE(can_take_over(admin, group, member_of(admin.id)).is_ok());
  EXPECT_EQ(can_take_over(staff, group, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_take_over(staff, group, member_of(staff.id)).code(), Code::permission_denied);
  EXPECT_EQ(can_take_over(staff, group, member_of(staff.id, MemberRole::owner)).code(),
            Code::permission_denied);
  EXPECT_EQ(can_take_over(foreign_admin, group, std::nullopt).code(), Code::not_found);
  EXPECT_EQ(can_take_over(admin, direct, std::nullopt).code(), Code::permission_denied);
}


// 安否確認 (issue 23): who sees, manages, closes and answers for others.
TEST(PoliciesSafety, ReachAndRefusals) {
  User staff = make_user(1, kTenant);
  User admin = make_user(2, kTenant, Role::admin);
  User crisis = make_user(3, kTenant);
  crisis.crisis = true;
  User head = make_user(4, kTenant);
  head.dept_head = true;
  head.dept = 10;
  User headless = make_user(5, kTenant);
  headless.dept_head = true;  // no department: manages nothing
  User stranger = make_user(6, kOtherTenant, Role::admin);

  EXPECT_EQ(safety_reach(admin, kTenant), SafetyReach::all);
  EXPECT_EQ(safety_reach(crisis, kTenant), SafetyReach::all);
  EXPECT_EQ(safety_reach(head, kTenant), SafetyReach::dept);
  EXPECT_EQ(safety_reach(headless, kTenant), SafetyReach::none);
  EXPECT_EQ(safety_reach(stranger, kTenant), SafetyReach::none);

  EXPECT_TRUE(can_start_safety(crisis).is_ok());
  EXPECT_TRUE(can_start_safety(admin).is_ok());
  EXPECT_EQ(can_start_safety(head).code(), Code::permission_denied);
  EXPECT_EQ(can_start_safety(staff).code(), Code::permission_denied);

  // Seeing: targets and managers; others (another municipality too) not_found.
  EXPECT_TRUE(can_see_safety(staff, kTenant, true, false).is_ok());
  EXPECT_EQ(can_see_safety(staff, kTenant, false, false).code(), Code::not_found);
  EXPECT_EQ(can_see_safety(stranger, kTenant, false, false).code(), Code::not_found);
  EXPECT_TRUE(can_see_safety(head, kTenant, false, true).is_ok());
  EXPECT_EQ(can_see_safety(head, kTenant, false, false).code(), Code::not_found);

  // The dashboard's scope.
  EXPECT_EQ(*safety_dashboard_scope(crisis, kTenant, false, false), 0);
  EXPECT_EQ(*safety_dashboard_scope(head, kTenant, false, true), 10);
  EXPECT_EQ(safety_dashboard_scope(staff, kTenant, true, false).status().code(), Code::permission_denied);
  EXPECT_EQ(safety_dashboard_scope(staff, kTenant, false, false).status().code(), Code::not_found);

  // Closing: the whole-municipality managers only.
  EXPECT_TRUE(can_close_safety(crisis, kTenant, false, false).is_ok());
  EXPECT_EQ(can_close_safety(head, kTenant, false, true).code(), Code::permission_denied);
  EXPECT_EQ(can_close_safety(staff, kTenant, true, false).code(), Code::permission_denied);
  EXPECT_EQ(can_close_safety(staff, kTenant, false, false).code(), Code::not_found);

  // 代理回答: a 所属長 within their subtree only.
  EXPECT_TRUE(can_answer_safety_for(crisis, kTenant, false, false, false).is_ok());
  EXPECT_TRUE(can_answer_safety_for(head, kTenant, false, true, true).is_ok());
  EXPECT_EQ(can_answer_safety_for(head, kTenant, false, true, false).code(), Code::permission_denied);
  EXPECT_EQ(can_answer_safety_for(staff, kTenant, true, false, true).code(), Code::permission_denied);

  EXPECT_TRUE(can_set_safety_roles(admin).is_ok());
  EXPECT_EQ(can_set_safety_roles(crisis).code(), Code::permission_denied);
}

}  // namespace
}  // namespace tonari::services::policy
