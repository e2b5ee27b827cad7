#include "server/io_threads.h"

namespace groupwire::gateway {

IoThreads::IoThreads(std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    // One thread runs each: Asio then takes no lock for handlers posted from that thread.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    if (i > 0) guards_.emplace_back(contexts_.back()->get_executor());
  }
}

IoThreads::~IoThreads() {
  guards_.clear();
  for (auto& c : contexts_) c->stop();
  for (auto& t : threads_) t.join();
  // The other contexts go first: their connections, destroyed with them, may still tell objects
  // of the main one (the shutdown's timer) that they are gone.
  while (contexts_.size() > 1) contexts_.pop_back();
}

boost::asio::io_context& IoThreads::next() {
  auto& context = *contexts_[next_];
  next_ = (next_ + 1) % contexts_.size();
  return context;
}

void IoThreads::run() {
  for (std::size_t i = 1; i < contexts_.size(); ++i) {
    threads_.emplace_back([c = contexts_[i].get()] { c->run(); });
  }
  main().run();
  for (std::size_t i = 1; i < contexts_.size(); ++i) contexts_[i]->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace groupwire::gateway
