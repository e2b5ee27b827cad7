#include "group/call_order.h"

namespace groupwire::coordinator {

bool CallOrder::must_wait(const std::string& group_id, Reads reads) const {
  if (groups_.empty()) return false;
  auto it = groups_.find(group_id);
  return it != groups_.end() && (!it->second.waiting.empty() || blocks(it->second, reads));
}

void CallOrder::wait(const std::string& group_id, Reads reads, std::function<void()> call) {
  groups_[group_id].waiting.push_back({reads, std::move(call)});
}

void CallOrder::write_started(const std::string& group_id, Writes what) {
  Group& g = groups_[group_id];
  ++(what == Writes::kGroup ? g.group_writes : g.offset_writes);
}

void CallOrder::write_done(const std::string& group_id, Writes what) {
  auto it = groups_.find(group_id);
  if (it == groups_.end()) return;
  --(what == Writes::kGroup ? it->second.group_writes : it->second.offset_writes);
  release(group_id);
}

void CallOrder::release(const std::string& group_id) {
  // Looked up afresh after each call: a call may start a write, or (with a log that answers at
  // once) finish one and release the rest itself.
  for (;;) {
    auto it = groups_.find(group_id);
    if (it == groups_.end()) return;
    Group& g = it->second;
    if (g.waiting.empty() || blocks(g, g.waiting.front().reads)) {
      if (g.waiting.empty() && g.group_writes == 0 && g.offset_writes == 0) groups_.erase(it);
      return;
    }
    auto call = std::move(g.waiting.front().call);
    g.waiting.pop_front();
    call();
  }
}

}  // namespace groupwire::coordinator
