#include "server/batch_answers.h"

#include <utility>

namespace groupwire::coordinator {

void BatchAnswers::answer(pb::Answer answer) {
  {
    std::lock_guard lock(mu_);
    if (holds_ > 0) {
      held_.push_back(std::move(answer));
      return;
    }
  }
  to_->answer(std::move(answer));
}

void BatchAnswers::answer(Answers answers) {
  {
    std::lock_guard lock(mu_);
    if (holds_ > 0) {
      for (auto& a : answers) held_.push_back(std::move(a));
      return;
    }
  }
  to_->answer(std::move(answers));
}

void BatchAnswers::hold() {
  std::lock_guard lock(mu_);
  ++holds_;
}

void BatchAnswers::release() {
  Answers ready;
  {
    std::lock_guard lock(mu_);
    if (--holds_ > 0 || held_.empty()) return;
    ready.swap(held_);
  }
  to_->answer(std::move(ready));
}

}  // namespace groupwire::coordinator
