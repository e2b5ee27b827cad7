// A group's calls take effect in the order they arrive. Kafka's broker handles one request per
// connection at a time, so every request sees the effects of the ones before it. Here calls
// arrive pipelined, and some writes take effect only once the store has them (an OffsetCommit's
// offsets, a generation's assignment, a group's deletion): a call that would read such an effect
// before it is applied waits, and every later call of that group waits behind it. Calls of other
// groups never wait, a heartbeat waits for no write, and writes of a group pipeline behind each
// other (the log applies them in append order), so a group's commits still share the store's
// batches.
//
// Lives on the partition's thread, like the state machine it guards: no lock.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <unordered_map>

namespace groupwire::coordinator {

class CallOrder {
 public:
  // What a call reads, and so which writes in flight it must wait for.
  enum class Reads {
    // A Heartbeat: nothing a write in flight changes (a generation being stored answers NONE
    // before and after), so it waits only behind calls already waiting, and a slow store never
    // expires a session.
    kSession,
    kGroup,            // membership, generation, state: waits for group writes
    kGroupAndOffsets,  // also the committed offsets (OffsetFetch): waits for offset writes too
  };
  // What a write changes once it is durable.
  enum class Writes { kGroup, kOffsets };

  // Whether a call on `group_id` reading `reads` must wait: a write it reads is in flight, or
  // an earlier call of the group waits already.
  bool must_wait(const std::string& group_id, Reads reads) const;
  // Queues `call` behind the group's writes in flight and its waiting calls.
  void wait(const std::string& group_id, Reads reads, std::function<void()> call);

  void write_started(const std::string& group_id, Writes what);
  // The write's effect is applied (or the write failed): runs, in order, the waiting calls it
  // held up, until one must wait again.
  void write_done(const std::string& group_id, Writes what);

  // No write in flight and no call waiting for the group.
  bool idle(const std::string& group_id) const { return groups_.count(group_id) == 0; }

 private:
  struct Waiting {
    Reads reads;
    std::function<void()> call;
  };
  struct Group {
    int group_writes = 0;
    int offset_writes = 0;
    std::deque<Waiting> waiting;
  };
  static bool blocks(const Group& g, Reads reads) {
    return (reads != Reads::kSession && g.group_writes > 0) ||
           (reads == Reads::kGroupAndOffsets && g.offset_writes > 0);
  }
  void release(const std::string& group_id);

  // Only groups with a write in flight or a call waiting: usually none, so a lookup is cheap.
  std::unordered_map<std::string, Group> groups_;
};

}  // namespace groupwire::coordinator
