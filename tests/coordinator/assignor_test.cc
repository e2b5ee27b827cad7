// The server-side assignors of KIP-848: the scenarios of Kafka's UniformAssignor (homogeneous and
// heterogeneous builders) and RangeAssignor tests, stickiness when members come and go, balance
// at 1,000 members, and determinism.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "group/assignor/indexed_group.h"
#include "group/assignor/partition_assignor.h"
#include "group/assignor/uniform_heterogeneous_builder.h"

namespace groupwire::coordinator::testing {
namespace {

TopicId topic(std::uint8_t n) {
  TopicId id;
  id.bytes[0] = n;
  return id;
}

const TopicId t1 = topic(1);
const TopicId t2 = topic(2);
const TopicId t3 = topic(3);
const TopicId t4 = topic(4);

SubscribedTopicMetadata metadata(std::initializer_list<std::pair<TopicId, std::int32_t>> counts) {
  SubscribedTopicMetadata out;
  for (const auto& [id, partitions] : counts) {
    out[id] = TopicMetadata{"topic-" + std::to_string(id.bytes[0]), partitions};
  }
  return out;
}

MemberSubscription member(std::set<TopicId> topics, TopicPartitionsById assignment = {}) {
  MemberSubscription m;
  m.subscribed_topic_ids = std::move(topics);
  m.assignment = std::move(assignment);
  return m;
}

std::string member_name(int i) {
  char name[16];
  std::snprintf(name, sizeof name, "member-%04d", i);
  return name;
}

std::size_t size_of(const TopicPartitionsById& assignment) {
  std::size_t n = 0;
  for (const auto& [id, partitions] : assignment) n += partitions.size();
  return n;
}

using Owners = std::map<std::pair<TopicId, std::int32_t>, MemberId>;

Owners owners_of(const GroupAssignment& assignment) {
  Owners out;
  for (const auto& [member_id, topics] : assignment) {
    for (const auto& [id, partitions] : topics) {
      for (std::int32_t p : partitions) out[{id, p}] = member_id;
    }
  }
  return out;
}

// Partitions whose owner in `after` is not their owner in `before`.
std::size_t moved(const GroupAssignment& before, const GroupAssignment& after) {
  const Owners old_owners = owners_of(before);
  std::size_t n = 0;
  for (const auto& [partition, owner] : owners_of(after)) {
    auto it = old_owners.find(partition);
    if (it == old_owners.end() || it->second != owner) ++n;
  }
  return n;
}

// Every member is present; every partition of a subscribed topic goes to exactly one member,
// one that subscribes to it; no member has a partition that does not exist.
::testing::AssertionResult valid(const GroupSpec& group, const SubscribedTopicMetadata& topics,
                                 const GroupAssignment& assignment) {
  std::map<std::pair<TopicId, std::int32_t>, int> times_assigned;
  for (const auto& [member_id, subscription] : group.members) {
    auto it = assignment.find(member_id);
    if (it == assignment.end()) return ::testing::AssertionFailure() << member_id << " missing";
    for (const auto& [id, partitions] : it->second) {
      if (!subscription.subscribed_topic_ids.contains(id)) {
        return ::testing::AssertionFailure() << member_id << " got an unsubscribed topic";
      }
      if (partitions.empty()) {
        return ::testing::AssertionFailure() << member_id << " has an empty topic entry";
      }
      for (std::int32_t p : partitions) {
        if (p < 0 || p >= topics.at(id).partitions) {
          return ::testing::AssertionFailure() << member_id << " got a partition out of range";
        }
        ++times_assigned[{id, p}];
      }
    }
  }
  if (assignment.size() != group.members.size()) {
    return ::testing::AssertionFailure() << "members the spec does not have";
  }
  for (const auto& [id, meta] : topics) {
    bool subscribed = false;
    for (const auto& [member_id, subscription] : group.members) {
      subscribed = subscribed || subscription.subscribed_topic_ids.contains(id);
    }
    if (!subscribed) continue;
    for (std::int32_t p = 0; p < meta.partitions; ++p) {
      if (times_assigned[{id, p}] != 1) {
        return ::testing::AssertionFailure()
               << id.to_string() << "-" << p << " assigned " << times_assigned[{id, p}] << " times";
      }
    }
  }
  return ::testing::AssertionSuccess();
}

std::pair<std::size_t, std::size_t> min_max_sizes(const GroupAssignment& assignment) {
  std::size_t lo = SIZE_MAX;
  std::size_t hi = 0;
  for (const auto& [member_id, topics] : assignment) {
    lo = std::min(lo, size_of(topics));
    hi = std::max(hi, size_of(topics));
  }
  return {lo, hi};
}

// The next round: every member's current target assignment is the one just computed.
void adopt(GroupSpec& group, const GroupAssignment& assignment) {
  for (auto& [member_id, subscription] : group.members) {
    subscription.assignment = assignment.at(member_id);
  }
}

// Topics 1..topic_count with partitions_each partitions.
SubscribedTopicMetadata many_topics(int topic_count, std::int32_t partitions_each) {
  SubscribedTopicMetadata out;
  for (int i = 1; i <= topic_count; ++i) {
    out[topic(static_cast<std::uint8_t>(i))] =
        TopicMetadata{"t" + std::to_string(i), partitions_each};
  }
  return out;
}

GroupSpec group_subscribed_to_all(int members, const SubscribedTopicMetadata& topics) {
  std::set<TopicId> all;
  for (const auto& [id, meta] : topics) all.insert(id);
  GroupSpec group;
  for (int i = 0; i < members; ++i) group.members[member_name(i)] = member(all);
  return group;
}

// --- TopicId and the factory ---

TEST(TopicIdTest, PrintsKafkasBase64UrlWithoutPadding) {
  EXPECT_EQ(TopicId{}.to_string(), "AAAAAAAAAAAAAAAAAAAAAA");
  TopicId one;
  one.bytes[15] = 1;  // Kafka's Uuid(0, 1), the metadata topic's id
  EXPECT_EQ(one.to_string(), "AAAAAAAAAAAAAAAAAAAAAQ");
  TopicId ones;
  ones.bytes.fill(0xFF);
  EXPECT_EQ(ones.to_string(), "_____________________w");
}

TEST(TopicIdTest, BytesRoundTripAndWrongSizesGiveTheZeroId) {
  TopicId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) id.bytes[i] = static_cast<std::uint8_t>(i * 17);
  EXPECT_EQ(id.to_bytes().size(), 16u);
  EXPECT_EQ(TopicId::from_bytes(id.to_bytes()), id);
  EXPECT_EQ(TopicId::from_bytes("short"), TopicId{});
  EXPECT_EQ(TopicId::from_bytes(std::string(17, 'x')), TopicId{});
}

TEST(AssignorFactoryTest, KnowsUniformAndRangeByName) {
  ASSERT_NE(make_assignor("uniform"), nullptr);
  ASSERT_NE(make_assignor("range"), nullptr);
  EXPECT_EQ(make_assignor("uniform")->name(), "uniform");
  EXPECT_EQ(make_assignor("range")->name(), "range");
  EXPECT_EQ(make_assignor("sticky"), nullptr);
  EXPECT_EQ(make_assignor(""), nullptr);
}

// --- Uniform: every member subscribes to the same topics ---

class UniformAssignorTest : public ::testing::Test {
 protected:
  GroupAssignment assign(const GroupSpec& group, const SubscribedTopicMetadata& topics) {
    return assignor_->assign(group, topics);
  }
  std::unique_ptr<PartitionAssignor> assignor_ = make_uniform_assignor();
};

TEST_F(UniformAssignorTest, NoMembersNoAssignment) {
  EXPECT_TRUE(assign(GroupSpec{}, metadata({{t1, 3}})).empty());
}

TEST_F(UniformAssignorTest, OneMemberWithoutSubscriptionsGetsNothing) {
  GroupSpec group;
  group.members["A"] = member({});
  EXPECT_EQ(assign(group, metadata({{t1, 3}})), (GroupAssignment{{"A", {}}}));
}

TEST_F(UniformAssignorTest, SubscriptionsToTopicsMissingFromTheMetadataAreIgnored) {
  GroupSpec group;
  group.members["A"] = member({t2});
  group.members["B"] = member({t1, t2});
  const auto topics = metadata({{t1, 2}});
  const auto assignment = assign(group, topics);
  EXPECT_EQ(assignment, (GroupAssignment{{"A", {}}, {"B", {{t1, {0, 1}}}}}));
}

TEST_F(UniformAssignorTest, OneMemberGetsEverything) {
  GroupSpec group;
  group.members["A"] = member({t1, t2});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 2}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2}}, {t2, {0, 1}}}}}));
}

TEST_F(UniformAssignorTest, FirstAssignmentTwoMembersTwoTopics) {
  GroupSpec group;
  group.members["A"] = member({t1, t3});
  group.members["B"] = member({t1, t3});
  // 5 partitions: the first member by id gets the extra one; partitions go in topic order.
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t3, 2}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2}}}}, {"B", {{t3, {0, 1}}}}}));
}

TEST_F(UniformAssignorTest, MoreMembersThanPartitions) {
  GroupSpec group;
  for (const char* id : {"A", "B", "C"}) group.members[id] = member({t3});
  EXPECT_EQ(assign(group, metadata({{t3, 2}})),
            (GroupAssignment{{"A", {{t3, {0}}}}, {"B", {{t3, {1}}}}, {"C", {}}}));
}

TEST_F(UniformAssignorTest, TopicWithoutPartitionsAppearsInNoAssignment) {
  GroupSpec group;
  group.members["A"] = member({t1, t2});
  group.members["B"] = member({t1, t2});
  const auto topics = metadata({{t1, 0}, {t2, 3}});
  const auto assignment = assign(group, topics);
  EXPECT_TRUE(valid(group, topics, assignment));
  EXPECT_EQ(assignment, (GroupAssignment{{"A", {{t2, {0, 1}}}}, {"B", {{t2, {2}}}}}));
}

TEST_F(UniformAssignorTest, UnbalancedCurrentAssignmentGivesUpOnlyTheExcess) {
  GroupSpec group;
  group.members["A"] = member({t1, t2}, {{t1, {0, 1}}, {t2, {0, 1}}});
  group.members["B"] = member({t1, t2}, {{t1, {2}}, {t2, {2}}});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 3}})),
            (GroupAssignment{{"A", {{t1, {0, 1}}, {t2, {0}}}}, {"B", {{t1, {2}}, {t2, {1, 2}}}}}));
}

TEST_F(UniformAssignorTest, AddedPartitionsGoWhereThereIsRoom) {
  GroupSpec group;
  group.members["A"] = member({t1, t2}, {{t1, {0, 2}}, {t2, {0}}});
  group.members["B"] = member({t1, t2}, {{t1, {1}}, {t2, {1, 2}}});
  const auto topics = metadata({{t1, 6}, {t2, 5}});  // were 3 and 3
  const auto assignment = assign(group, topics);
  EXPECT_TRUE(valid(group, topics, assignment));
  EXPECT_EQ(assignment, (GroupAssignment{{"A", {{t1, {0, 2, 3, 4, 5}}, {t2, {0}}}},
                                         {"B", {{t1, {1}}, {t2, {1, 2, 3, 4}}}}}));
}

TEST_F(UniformAssignorTest, AddedMemberTakesOnePartitionFromEach) {
  GroupSpec group;
  group.members["A"] = member({t1, t2}, {{t1, {0, 2}}, {t2, {0}}});
  group.members["B"] = member({t1, t2}, {{t1, {1}}, {t2, {1, 2}}});
  group.members["C"] = member({t1, t2});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 3}})),
            (GroupAssignment{
                {"A", {{t1, {0, 2}}}}, {"B", {{t1, {1}}, {t2, {1}}}}, {"C", {{t2, {0, 2}}}}}));
}

TEST_F(UniformAssignorTest, RemovedMembersPartitionsAreSpreadOverTheOthers) {
  GroupSpec group;  // C, which had t1-2 and t2-2, left
  group.members["A"] = member({t1, t2}, {{t1, {0}}, {t2, {0}}});
  group.members["B"] = member({t1, t2}, {{t1, {1}}, {t2, {1}}});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 3}})),
            (GroupAssignment{{"A", {{t1, {0, 2}}, {t2, {0}}}}, {"B", {{t1, {1}}, {t2, {1, 2}}}}}));
}

TEST_F(UniformAssignorTest, UnsubscribedTopicIsRevoked) {
  GroupSpec group;  // both subscribed to t1 and t2 before
  group.members["A"] = member({t2}, {{t1, {0}}, {t2, {0}}});
  group.members["B"] = member({t2}, {{t1, {1}}, {t2, {1}}});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 3}})),
            (GroupAssignment{{"A", {{t2, {0, 2}}}}, {"B", {{t2, {1}}}}}));
}

TEST_F(UniformAssignorTest, PartitionsThatNoLongerExistOrAreClaimedTwiceAreDropped) {
  GroupSpec group;
  group.members["A"] = member({t1}, {{t1, {0, 1, 7}}});
  group.members["B"] = member({t1}, {{t1, {1}}});
  const auto topics = metadata({{t1, 4}});
  const auto assignment = assign(group, topics);
  EXPECT_TRUE(valid(group, topics, assignment));
  EXPECT_EQ(assignment, (GroupAssignment{{"A", {{t1, {0, 1}}}}, {"B", {{t1, {2, 3}}}}}));
}

TEST_F(UniformAssignorTest, ExtraPartitionsStayWithTheMembersHoldingTheMost) {
  // C holds 3 and D 2 of 5; A joins: 5 = 2 + 2 + 1, and the twos are C's and D's. Handing the
  // extras out by member order instead (A first) would move two partitions rather than one.
  GroupSpec group;
  group.members["A"] = member({t1});
  group.members["C"] = member({t1}, {{t1, {0, 1, 2}}});
  group.members["D"] = member({t1}, {{t1, {3, 4}}});
  EXPECT_EQ(assign(group, metadata({{t1, 5}})),
            (GroupAssignment{{"A", {{t1, {2}}}}, {"C", {{t1, {0, 1}}}}, {"D", {{t1, {3, 4}}}}}));
}

TEST_F(UniformAssignorTest, RackIdsAreIgnored) {
  const auto topics = metadata({{t1, 7}, {t2, 4}});
  GroupSpec group;
  for (const char* id : {"A", "B", "C"}) group.members[id] = member({t1, t2});
  GroupSpec racked = group;
  racked.members["A"].rack_id = "rack-1";
  racked.members["C"].rack_id = "rack-2";
  EXPECT_EQ(assign(group, topics), assign(racked, topics));
}

TEST_F(UniformAssignorTest, AddingAMemberToABalancedGroupMovesOnlyItsShare) {
  const auto topics = many_topics(10, 100);  // 1,000 partitions
  for (const char* newcomer : {"aaa-first", "zzz-last"}) {
    SCOPED_TRACE(newcomer);
    GroupSpec group = group_subscribed_to_all(100, topics);
    const auto before = assign(group, topics);
    ASSERT_EQ(min_max_sizes(before), std::make_pair(std::size_t{10}, std::size_t{10}));
    adopt(group, before);

    const auto subscription = group.members.begin()->second.subscribed_topic_ids;
    group.members[newcomer] = member(subscription);
    const auto after = assign(group, topics);
    ASSERT_TRUE(valid(group, topics, after));
    EXPECT_EQ(size_of(after.at(newcomer)), 9u);  // 1,000 / 101
    EXPECT_EQ(moved(before, after), 9u);
    const auto [lo, hi] = min_max_sizes(after);
    EXPECT_LE(hi - lo, 1u);
    for (const auto& [member_id, assignment] : before) {
      // Nine members give up one partition each; the others keep theirs.
      EXPECT_GE(size_of(after.at(member_id)), 9u);
      for (const auto& [id, partitions] : after.at(member_id)) {
        for (std::int32_t p : partitions) EXPECT_TRUE(assignment.at(id).contains(p));
      }
    }
  }
}

TEST_F(UniformAssignorTest, RemovingAMemberMovesOnlyItsPartitions) {
  const auto topics = many_topics(10, 100);
  GroupSpec group = group_subscribed_to_all(101, topics);
  const auto before = assign(group, topics);
  adopt(group, before);

  const MemberId leaving = member_name(42);
  const std::size_t its_share = size_of(before.at(leaving));
  group.members.erase(leaving);
  const auto after = assign(group, topics);
  ASSERT_TRUE(valid(group, topics, after));
  EXPECT_EQ(moved(before, after), its_share);
  EXPECT_EQ(min_max_sizes(after), std::make_pair(std::size_t{10}, std::size_t{10}));
  for (const auto& [member_id, assignment] : after) {
    for (const auto& [id, partitions] : before.at(member_id)) {
      for (std::int32_t p : partitions) EXPECT_TRUE(assignment.at(id).contains(p));
    }
  }
}

TEST_F(UniformAssignorTest, ThousandMembersThousandPartitionsAreBalanced) {
  for (auto [topic_count, partitions_each] :
       {std::pair{1, 1000}, std::pair{10, 100}, std::pair{7, 1234}}) {
    SCOPED_TRACE(topic_count);
    const auto topics = many_topics(topic_count, partitions_each);
    GroupSpec group = group_subscribed_to_all(1000, topics);
    const auto first = assign(group, topics);
    ASSERT_TRUE(valid(group, topics, first));
    auto [lo, hi] = min_max_sizes(first);
    EXPECT_LE(hi - lo, 1u);

    // Again from that assignment with a tenth of the members gone: still balanced, and the
    // members that stay keep what they had, up to their quota.
    adopt(group, first);
    for (int i = 0; i < 1000; i += 10) group.members.erase(member_name(i));
    const auto second = assign(group, topics);
    ASSERT_TRUE(valid(group, topics, second));
    std::tie(lo, hi) = min_max_sizes(second);
    EXPECT_LE(hi - lo, 1u);
    std::size_t departed_share = 0;
    for (int i = 0; i < 1000; i += 10) departed_share += size_of(first.at(member_name(i)));
    EXPECT_EQ(moved(first, second), departed_share);
  }
}

TEST_F(UniformAssignorTest, SameInputSameOutput) {
  const auto topics = many_topics(5, 37);
  GroupSpec group = group_subscribed_to_all(23, topics);
  group.members[member_name(3)].assignment = {{topic(1), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}}};
  const auto first = assign(group, topics);
  EXPECT_EQ(assign(group, topics), first);
  EXPECT_EQ(make_uniform_assignor()->assign(group, topics), first);
}

// --- Uniform: members subscribe to different topics ---

TEST_F(UniformAssignorTest, HeterogeneousTwoMembersWithoutSubscriptions) {
  GroupSpec group;
  group.members["A"] = member({});
  group.members["B"] = member({});
  EXPECT_EQ(assign(group, metadata({{t1, 3}})), (GroupAssignment{{"A", {}}, {"B", {}}}));
}

TEST_F(UniformAssignorTest, HeterogeneousFirstAssignmentTwoMembersTwoTopics) {
  GroupSpec group;
  group.members["A"] = member({t1, t3});
  group.members["B"] = member({t3});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t3, 6}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2}}, {t3, {4}}}}, {"B", {{t3, {0, 1, 2, 3, 5}}}}}));
}

TEST_F(UniformAssignorTest, HeterogeneousMoreMembersThanPartitions) {
  GroupSpec group;
  group.members["A"] = member({t3});
  group.members["B"] = member({t3});
  group.members["C"] = member({t1});
  EXPECT_EQ(assign(group, metadata({{t3, 1}, {t1, 2}})),
            (GroupAssignment{{"A", {{t3, {0}}}}, {"B", {}}, {"C", {{t1, {0, 1}}}}}));
}

TEST_F(UniformAssignorTest, HeterogeneousOneMemberWithoutSubscriptions) {
  GroupSpec group;
  group.members["A"] = member({t1});
  group.members["B"] = member({});
  EXPECT_EQ(assign(group, metadata({{t1, 3}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2}}}}, {"B", {}}}));
}

TEST_F(UniformAssignorTest, HeterogeneousUnbalancedCurrentAssignmentThreeTopics) {
  GroupSpec group;
  group.members["A"] = member({t1}, {{t1, {0, 1, 2}}});
  group.members["B"] = member({t1, t2}, {{t1, {3}}, {t2, {0}}});
  group.members["C"] = member({t1, t2, t3}, {{t1, {4, 5}}, {t2, {1, 2, 3}}, {t3, {0, 1, 2, 3}}});
  EXPECT_EQ(assign(group, metadata({{t1, 6}, {t2, 4}, {t3, 4}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2, 5}}}},
                             {"B", {{t1, {3}}, {t2, {0, 1, 2, 3}}}},
                             {"C", {{t1, {4}}, {t3, {0, 1, 2, 3}}}}}));
}

TEST_F(UniformAssignorTest, HeterogeneousPartitionsAdded) {
  GroupSpec group;  // the topics had 4, 3, 2 and 3 partitions
  group.members["A"] = member({t1, t3}, {{t1, {0, 1, 2, 3}}, {t3, {0, 1}}});
  group.members["B"] = member({t1, t2, t3, t4}, {{t2, {0, 1, 2}}, {t4, {0, 1, 2}}});
  EXPECT_EQ(assign(group, metadata({{t1, 6}, {t2, 5}, {t3, 3}, {t4, 3}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2, 3, 4, 5}}, {t3, {0, 1, 2}}}},
                             {"B", {{t2, {0, 1, 2, 3, 4}}, {t4, {0, 1, 2}}}}}));
}

TEST_F(UniformAssignorTest, HeterogeneousMemberAndPartitionsAdded) {
  GroupSpec group;  // the topics had 3 and 3 partitions
  group.members["A"] = member({t1}, {{t1, {0, 2}}, {t2, {0}}});
  group.members["B"] = member({t1, t2}, {{t1, {1}}, {t2, {1, 2}}});
  group.members["C"] = member({t1, t2});
  EXPECT_EQ(assign(group, metadata({{t1, 6}, {t2, 7}})),
            (GroupAssignment{{"A", {{t1, {0, 2, 3, 4, 5}}}},
                             {"B", {{t1, {1}}, {t2, {1, 2, 6}}}},
                             {"C", {{t2, {0, 3, 4, 5}}}}}));
}

TEST_F(UniformAssignorTest, HeterogeneousMemberRemoved) {
  GroupSpec group;  // C left
  group.members["A"] = member({t1, t3}, {{t1, {0, 1, 2}}, {t3, {0, 1}}});
  group.members["B"] = member({t2}, {{t2, {3, 4, 5, 6}}});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 8}, {t3, 3}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2}}, {t3, {0, 1, 2}}}},
                             {"B", {{t2, {0, 1, 2, 3, 4, 5, 6, 7}}}}}));
}

TEST_F(UniformAssignorTest, HeterogeneousSubscriptionRemoved) {
  GroupSpec group;  // A subscribed to t1 and t2 before
  group.members["A"] = member({t1}, {{t1, {0, 2}}, {t2, {1, 3}}});
  group.members["B"] = member({t1, t2}, {{t1, {1}}, {t2, {0, 2, 4}}});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 5}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2}}}}, {"B", {{t2, {0, 1, 2, 3, 4}}}}}));
}

TEST(UniformHeterogeneousBuilderTest, StopsWhenATopicRunsOutOfPartitionsToMove) {
  // Same subscriptions, but through the heterogeneous builder, as Kafka's test forces: B has
  // nothing, and moving from A runs out of t1's partitions before the two are level.
  GroupSpec group;
  group.members["A"] = member({t1, t2, t3}, {{t1, {0, 1}}, {t2, {0, 1}}, {t3, {0, 1}}});
  group.members["B"] = member({t1, t2, t3});
  const auto topics = metadata({{t1, 2}, {t2, 2}, {t3, 2}});
  EXPECT_EQ(assignor::assign_uniform_heterogeneous(assignor::index_group(group, topics)),
            (GroupAssignment{{"A", {{t2, {0}}, {t3, {0, 1}}}}, {"B", {{t1, {0, 1}}, {t2, {1}}}}}));
}

// Half the members on {t1, t2}, half on {t3}, and every fifth also on {t4}.
GroupSpec mixed_group(int members) {
  GroupSpec group;
  for (int i = 0; i < members; ++i) {
    std::set<TopicId> topics = i % 2 == 0 ? std::set<TopicId>{t1, t2} : std::set<TopicId>{t3};
    if (i % 5 == 0) topics.insert(t4);
    group.members[member_name(i)] = member(std::move(topics));
  }
  return group;
}

TEST_F(UniformAssignorTest, HeterogeneousAddingAMemberMovesOnlyItsShare) {
  // Members 0-99 split over {t1, t2} and {t3}; the newcomer joins the {t1, t2} side.
  const auto topics = metadata({{t1, 400}, {t2, 100}, {t3, 500}});
  GroupSpec group;
  for (int i = 0; i < 100; ++i) {
    group.members[member_name(i)] = member(i % 2 == 0 ? std::set<TopicId>{t1, t2} : std::set{t3});
  }
  const auto before = assign(group, topics);
  ASSERT_TRUE(valid(group, topics, before));
  ASSERT_EQ(min_max_sizes(before), std::make_pair(std::size_t{10}, std::size_t{10}));
  adopt(group, before);

  group.members["newcomer"] = member({t1, t2});
  const auto after = assign(group, topics);
  ASSERT_TRUE(valid(group, topics, after));
  const std::size_t share = size_of(after.at("newcomer"));
  EXPECT_EQ(share, 9u);  // 500 partitions over 51 subscribers: 9 or 10 each
  EXPECT_EQ(moved(before, after), share);
  for (int i = 1; i < 100; i += 2) EXPECT_EQ(after.at(member_name(i)), before.at(member_name(i)));

  // And when it leaves again, only its partitions move.
  adopt(group, after);
  group.members.erase("newcomer");
  const auto again = assign(group, topics);
  ASSERT_TRUE(valid(group, topics, again));
  EXPECT_EQ(moved(after, again), share);
}

TEST_F(UniformAssignorTest, HeterogeneousThousandMembersAreValidAndSameInputSameOutput) {
  const auto topics = metadata({{t1, 300}, {t2, 200}, {t3, 400}, {t4, 100}});
  GroupSpec group = mixed_group(1000);
  const auto first = assign(group, topics);
  ASSERT_TRUE(valid(group, topics, first));
  EXPECT_EQ(assign(group, topics), first);

  // Settled: assigning again from its own result moves nothing.
  adopt(group, first);
  EXPECT_EQ(moved(first, assign(group, topics)), 0u);
}

// --- Range ---

class RangeAssignorTest : public ::testing::Test {
 protected:
  GroupAssignment assign(const GroupSpec& group, const SubscribedTopicMetadata& topics) {
    return assignor_->assign(group, topics);
  }
  std::unique_ptr<PartitionAssignor> assignor_ = make_range_assignor();
};

TEST_F(RangeAssignorTest, OneMemberWithoutSubscriptionsGetsNothing) {
  GroupSpec group;
  group.members["A"] = member({});
  EXPECT_EQ(assign(group, metadata({{t1, 3}})), (GroupAssignment{{"A", {}}}));
}

TEST_F(RangeAssignorTest, SubscriptionsToTopicsMissingFromTheMetadataAreIgnored) {
  GroupSpec group;
  group.members["A"] = member({t2});
  EXPECT_EQ(assign(group, metadata({{t1, 3}})), (GroupAssignment{{"A", {}}}));
}

TEST_F(RangeAssignorTest, TwoMembersSameSubscriptionsAreCoPartitioned) {
  GroupSpec group;
  group.members["A"] = member({t1, t3});
  group.members["B"] = member({t1, t3});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t3, 2}})),
            (GroupAssignment{{"A", {{t1, {0, 1}}, {t3, {0}}}}, {"B", {{t1, {2}}, {t3, {1}}}}}));
}

TEST_F(RangeAssignorTest, ThreeMembersDifferentSubscriptions) {
  GroupSpec group;
  group.members["A"] = member({t1, t2});
  group.members["B"] = member({t3});
  group.members["C"] = member({t2, t3});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 3}, {t3, 2}})),
            (GroupAssignment{{"A", {{t1, {0, 1, 2}}, {t2, {0, 1}}}},
                             {"B", {{t3, {0}}}},
                             {"C", {{t2, {2}}, {t3, {1}}}}}));
}

TEST_F(RangeAssignorTest, MoreMembersThanPartitions) {
  GroupSpec group;
  for (const char* id : {"A", "B", "C"}) group.members[id] = member({t1, t3});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t3, 2}})),
            (GroupAssignment{
                {"A", {{t1, {0}}, {t3, {0}}}}, {"B", {{t1, {1}}, {t3, {1}}}}, {"C", {{t1, {2}}}}}));
}

TEST_F(RangeAssignorTest, TopicWithoutPartitionsAppearsInNoAssignment) {
  GroupSpec group;
  group.members["A"] = member({t1, t2});
  group.members["B"] = member({t1, t2});
  EXPECT_EQ(assign(group, metadata({{t1, 0}, {t2, 3}})),
            (GroupAssignment{{"A", {{t2, {0, 1}}}}, {"B", {{t2, {2}}}}}));
}

TEST_F(RangeAssignorTest, MemberAddedAndPartitionAdded) {
  GroupSpec group;
  group.members["A"] = member({t1, t2}, {{t1, {0, 1}}, {t2, {0, 1}}});
  group.members["B"] = member({t1, t2}, {{t1, {2}}, {t2, {2}}});
  group.members["C"] = member({t1});
  EXPECT_EQ(
      assign(group, metadata({{t1, 4}, {t2, 3}})),
      (GroupAssignment{
          {"A", {{t1, {0, 1}}, {t2, {0, 1}}}}, {"B", {{t1, {2}}, {t2, {2}}}}, {"C", {{t1, {3}}}}}));
}

TEST_F(RangeAssignorTest, RecomputedFromMemberOrderNotFromTheCurrentAssignment) {
  // Kafka 4's range assignor is not sticky: C joining reshuffles the ranges by member order.
  GroupSpec group;
  group.members["A"] = member({t1, t2}, {{t1, {1, 2}}, {t2, {1, 2}}});
  group.members["B"] = member({t1, t2}, {{t1, {0}}, {t2, {0}}});
  group.members["C"] = member({t1, t2});
  EXPECT_EQ(assign(group, metadata({{t1, 3}, {t2, 3}})),
            (GroupAssignment{{"A", {{t1, {0}}, {t2, {0}}}},
                             {"B", {{t1, {1}}, {t2, {1}}}},
                             {"C", {{t1, {2}}, {t2, {2}}}}}));
}

TEST_F(RangeAssignorTest, StaticMemberRejoiningUnderANewIdGetsItsRangesBack) {
  const auto topics = metadata({{t1, 5}});
  GroupSpec group;
  group.members["A"] = member({t1});
  group.members["A"].instance_id = "instanceA";
  group.members["C"] = member({t1});
  group.members["C"].instance_id = "instanceC";
  group.members["B"] = member({t1});  // dynamic: after the static members
  const auto before = assign(group, topics);
  EXPECT_EQ(before,
            (GroupAssignment{{"A", {{t1, {0, 1}}}}, {"B", {{t1, {4}}}}, {"C", {{t1, {2, 3}}}}}));

  group.members["memberA1"] = group.members["A"];
  group.members.erase("A");
  const auto after = assign(group, topics);
  EXPECT_EQ(after.at("memberA1"), before.at("A"));
  EXPECT_EQ(after.at("B"), before.at("B"));
  EXPECT_EQ(after.at("C"), before.at("C"));
}

TEST_F(RangeAssignorTest, RackIdsAreIgnored) {
  const auto topics = metadata({{t1, 7}, {t2, 4}});
  GroupSpec group;
  for (const char* id : {"A", "B", "C"}) group.members[id] = member({t1, t2});
  GroupSpec racked = group;
  racked.members["B"].rack_id = "rack-1";
  EXPECT_EQ(assign(group, topics), assign(racked, topics));
}

TEST_F(RangeAssignorTest, ThousandMembersThousandPartitionsAreBalancedAndCoPartitioned) {
  const auto topics = many_topics(10, 100);
  GroupSpec group = group_subscribed_to_all(1000, topics);
  const auto assignment = assign(group, topics);
  ASSERT_TRUE(valid(group, topics, assignment));
  // 100 partitions per topic over 1,000 members: the first 100 get one of each topic.
  for (int i = 0; i < 1000; ++i) {
    const auto& mine = assignment.at(member_name(i));
    if (i >= 100) {
      EXPECT_TRUE(mine.empty());
      continue;
    }
    ASSERT_EQ(mine.size(), 10u);
    for (const auto& [id, partitions] : mine) EXPECT_EQ(partitions, PartitionSet{i});
  }
  EXPECT_EQ(assign(group, topics), assignment);
}

}  // namespace
}  // namespace groupwire::coordinator::testing
