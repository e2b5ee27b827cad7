// Coalesce: work of one scope done once at its end, posts grouped by executor in their order.
#include "batching/coalesce.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

namespace groupwire::gateway {
namespace {

TEST(Coalesce, WithoutAScopeWorkIsDoneAtOnce) {
  int runs = 0;
  Coalesce::once(&runs, [&runs] { ++runs; });
  Coalesce::once(&runs, [&runs] { ++runs; });
  EXPECT_EQ(runs, 2);
}

TEST(Coalesce, OnceRunsTheFirstActionOfAKeyWhenTheOutermostScopeEnds) {
  std::vector<std::string> ran;
  int a = 0;
  int b = 0;
  {
    Coalesce outer;
    {
      Coalesce inner;
      Coalesce::once(&a, [&ran] { ran.push_back("a1"); });
      Coalesce::once(&b, [&ran] { ran.push_back("b"); });
    }
    Coalesce::once(&a, [&ran] { ran.push_back("a2"); });
    EXPECT_TRUE(ran.empty()) << "the inner scope's end is not the outermost's";
  }
  EXPECT_EQ(ran, (std::vector<std::string>{"a1", "b"}));
}

TEST(Coalesce, PostsToOneExecutorArriveTogetherInTheirOrder) {
  boost::asio::io_context first;
  boost::asio::io_context second;
  std::vector<int> ran_first;
  std::vector<int> ran_second;
  {
    Coalesce batch;
    for (int i = 0; i < 3; ++i) {
      Coalesce::post(first.get_executor(), [&ran_first, i] { ran_first.push_back(i); });
      Coalesce::post(second.get_executor(), [&ran_second, i] { ran_second.push_back(i); });
    }
    EXPECT_EQ(first.poll(), 0U) << "posted before the scope ended";
    first.restart();  // out of work, it stopped
  }
  EXPECT_EQ(first.poll(), 1U) << "three handlers, one post";
  EXPECT_EQ(second.poll(), 1U);
  EXPECT_EQ(ran_first, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(ran_second, (std::vector<int>{0, 1, 2}));
}

TEST(Coalesce, HandlersPostedTogetherCoalesceTheirOwnWork) {
  boost::asio::io_context io;
  int key = 0;
  int flushes = 0;
  {
    Coalesce batch;
    for (int i = 0; i < 3; ++i) {
      Coalesce::post(io.get_executor(), [&] { Coalesce::once(&key, [&flushes] { ++flushes; }); });
    }
  }
  io.poll();
  EXPECT_EQ(flushes, 1);
}

TEST(Coalesce, WorkAddedByAnActionIsItsOwn) {
  int outer_key = 0;
  int later_key = 0;
  bool later_ran = false;
  {
    Coalesce batch;
    Coalesce::once(&outer_key, [&] {
      // The scope has ended: this runs at once.
      Coalesce::once(&later_key, [&later_ran] { later_ran = true; });
      EXPECT_TRUE(later_ran);
    });
  }
  EXPECT_TRUE(later_ran);
}

}  // namespace
}  // namespace groupwire::gateway
