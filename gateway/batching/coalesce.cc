#include "batching/coalesce.h"

#include <algorithm>

#include <boost/asio/post.hpp>

namespace groupwire::gateway {

thread_local Coalesce::Work* Coalesce::current_ = nullptr;

Coalesce::Coalesce() : outermost_(current_ == nullptr) {
  if (outermost_) current_ = &work_;
}

Coalesce::~Coalesce() {
  if (!outermost_) return;
  // Actions may open scopes of their own (a write that completes calls at once): this one is
  // closed first, and what they add is theirs.
  current_ = nullptr;
  for (auto& [executor, handlers] : work_.posts) {
    if (handlers.size() == 1) {
      boost::asio::post(executor, std::move(handlers.front()));
      continue;
    }
    // Their work coalesces in turn (a connection's answers, one write).
    boost::asio::post(executor, [handlers = std::move(handlers)] {
      Coalesce batch;
      for (const auto& h : handlers) h();
    });
  }
  for (auto& [key, action] : work_.once) action();
}

void Coalesce::once(const void* key, Action action) {
  if (current_ == nullptr) return action();
  auto& once = current_->once;
  if (std::none_of(once.begin(), once.end(), [key](const auto& o) { return o.first == key; })) {
    once.emplace_back(key, std::move(action));
  }
}

void Coalesce::post(const boost::asio::any_io_executor& executor, Action handler) {
  if (current_ == nullptr) return boost::asio::post(executor, std::move(handler));
  auto& posts = current_->posts;
  auto it = std::find_if(posts.begin(), posts.end(),
                         [&executor](const auto& p) { return p.first == executor; });
  if (it == posts.end()) it = posts.insert(posts.end(), {executor, {}});
  it->second.push_back(std::move(handler));
}

}  // namespace groupwire::gateway
