#include "group/group_events.h"

namespace groupwire::coordinator {

const char* member_exit_name(MemberExit e) {
  switch (e) {
    case MemberExit::LeaveGroup:
      return "leave_group";
    case MemberExit::SessionTimeout:
      return "session_timeout";
    case MemberExit::JoinTimeout:
      return "join_timeout";
    case MemberExit::SyncTimeout:
      return "sync_timeout";
  }
  return "unknown";
}

}  // namespace groupwire::coordinator
