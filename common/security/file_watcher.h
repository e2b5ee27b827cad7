// Polls watched files on an executor so that edits take effect without a restart.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace groupwire::security {

class FileWatcher {
 public:
  FileWatcher(boost::asio::any_io_executor executor, std::chrono::milliseconds period);
  // Stops polling: the pending wait holds the state only weakly. Safe from any thread.
  ~FileWatcher() = default;
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Before start(). reload_if_changed is typically [file] { file->reload_if_changed(); }.
  void add(std::function<void()> reload_if_changed);
  // Runs every reload each period on the executor.
  void start();
  // Runs every reload now, on the caller: what SIGHUP does.
  void reload_all();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace groupwire::security
