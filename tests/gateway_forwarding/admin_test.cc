// DescribeGroups, ListGroups and DeleteGroups.
#include <gtest/gtest.h>

#include "gateway_harness.h"
#include "kafka/error_code.h"

namespace groupwire::gateway::testing {
namespace {

using namespace kafka;

TEST_F(ForwardingTest, DescribeGroups) {
  pb::DescribeGroupsResponse reply;
  auto* g = reply.add_groups();
  g->set_group_id("g");
  g->set_group_state("Stable");
  g->set_protocol_type("consumer");
  g->set_protocol_data("range");
  auto* m = g->add_members();
  m->set_member_id("m-1");
  m->set_group_instance_id("instance-1");
  m->set_client_id("c");
  m->set_client_host("/10.0.0.5");
  m->set_member_metadata("meta");
  m->set_member_assignment("assign");
  auto* dead = reply.add_groups();
  dead->set_group_id("gone");
  dead->set_group_state("Dead");
  coordinator_.describe_groups.set_reply(reply);

  DescribeGroupsRequest req;
  req.groups = {"g", "gone"};
  req.include_authorized_operations = true;
  for (ApiVersion v : {0, 3, 4, 5}) {
    coordinator_.describe_groups.clear();
    auto resp = gateway_.call<DescribeGroupsResponse>(req, v);
    auto seen = coordinator_.describe_groups.seen();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1].group_ids(0), "gone");
    ASSERT_EQ(resp.groups.size(), 2u) << "v" << v;
    EXPECT_EQ(resp.groups[0].group_state, "Stable");
    EXPECT_EQ(resp.groups[0].protocol_data, "range");
    ASSERT_EQ(resp.groups[0].members.size(), 1u);
    const auto& member = resp.groups[0].members[0];
    EXPECT_EQ(member.client_host, "/10.0.0.5");
    EXPECT_EQ(member.member_assignment.data, "assign");
    // group_instance_id exists from v4; below it decodes as its default, null.
    EXPECT_EQ(member.group_instance_id,
              v >= 4 ? std::optional<std::string>("instance-1") : std::nullopt);
    EXPECT_EQ(resp.groups[1].group_state, "Dead");
    EXPECT_EQ(resp.groups[1].error_code, 0);
  }
}

TEST_F(ForwardingTest, ListGroupsFiltersAndFieldsPerVersion) {
  pb::ListGroupsResponse reply;
  auto* g = reply.add_groups();
  g->set_group_id("g");
  g->set_protocol_type("consumer");
  g->set_group_state("Stable");
  g->set_group_type("classic");
  coordinator_.list_groups.set_reply(reply);

  ListGroupsRequest req;
  req.states_filter = {"stable"};
  req.types_filter = {"classic"};
  auto v3 = gateway_.call<ListGroupsResponse>(req, 3);
  EXPECT_EQ(coordinator_.list_groups.last().states_filter_size(), 0);
  ASSERT_EQ(v3.groups.size(), 1u);
  EXPECT_EQ(v3.groups[0].protocol_type, "consumer");
  EXPECT_EQ(v3.groups[0].group_state, "");  // v4+ only

  auto v4 = gateway_.call<ListGroupsResponse>(req, 4);
  auto seen = coordinator_.list_groups.last();
  ASSERT_EQ(seen.states_filter_size(), 1);
  EXPECT_EQ(seen.states_filter(0), "stable");
  EXPECT_EQ(seen.types_filter_size(), 0);
  EXPECT_EQ(v4.groups[0].group_state, "Stable");
  EXPECT_EQ(v4.groups[0].group_type, "");  // v5+ only

  auto v5 = gateway_.call<ListGroupsResponse>(req, 5);
  EXPECT_EQ(coordinator_.list_groups.last().types_filter(0), "classic");
  EXPECT_EQ(v5.groups[0].group_type, "classic");
}

TEST_F(ForwardingTest, DeleteGroupsCollapsesDuplicates) {
  pb::DeleteGroupsResponse reply;
  auto* a = reply.add_results();
  a->set_group_id("a");
  auto* b = reply.add_results();
  b->set_group_id("b");
  b->set_error_code(pb::NON_EMPTY_GROUP);
  coordinator_.delete_groups.set_reply(reply);

  DeleteGroupsRequest req;
  req.groups_names = {"a", "b", "a"};
  for (ApiVersion v = 0; v <= 2; ++v) {
    coordinator_.delete_groups.clear();
    auto resp = gateway_.call<DeleteGroupsResponse>(req, v);
    auto seen = coordinator_.delete_groups.seen();
    ASSERT_EQ(seen.size(), 2u) << "v" << v;
    EXPECT_EQ(seen[1].group_ids(0), "b");
    ASSERT_EQ(resp.results.size(), 2u);
    EXPECT_EQ(resp.results[1].error_code, to_wire(ErrorCode::NON_EMPTY_GROUP));
  }
}

}  // namespace
}  // namespace groupwire::gateway::testing
