#include "coordinator_client/completion_thread.h"

namespace groupwire::gateway {

CompletionThread::CompletionThread() {
  thread_ = std::thread([this] {
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) static_cast<Step*>(tag)->run(ok);
  });
}

CompletionThread::~CompletionThread() {
  queue_.Shutdown();
  thread_.join();
}

}  // namespace groupwire::gateway
