#include "logs/pipeline.hpp"

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace mxtls::logs {

namespace {

class DirectSink : public LineSink {
 public:
  explicit DirectSink(Aggregator& aggregator) : aggregator_(aggregator) {}
  void reading(LineReader&) override {}
  void done_reading(LineReader&) override {}
  void add(const LogLine& line) override { aggregator_.add(line); }
  void skip() override { aggregator_.tick(); }
  void finish() override {}

 private:
  Aggregator& aggregator_;
};

// Lines travel in batches: a read buffer, and the parsed Postfix lines that
// point into it. The reader gets the buffer of a returned batch to read on
// with, so no line is copied and the views stay valid until the counting
// thread gives the batch back.
struct Batch {
  struct Item {
    uint64_t skipped_before;  // other lines just before this one
    LogLine line;
    Event event;
  };
  void clear() {
    items.clear();
    skipped_after = 0;
  }
  LineReader::Buffer text;  // null while the reader reads into it
  std::vector<Item> items;
  uint64_t skipped_after = 0;
};

// A bounded hand-over between one producer and one consumer: full batches
// one way, empty ones back, so memory stays at batches_in_flight batches.
class BatchQueue {
 public:
  static constexpr size_t batches_in_flight = 4;

  BatchQueue() {
    for (size_t i = 0; i < batches_in_flight; ++i) empty_.push_back(std::make_unique<Batch>());
  }
  std::unique_ptr<Batch> take_empty() { return take(empty_); }
  void give_back(std::unique_ptr<Batch> batch) {
    batch->clear();
    put(empty_, std::move(batch));
  }
  std::unique_ptr<Batch> take_full() { return take(full_); }  // null once closed and drained
  void push_full(std::unique_ptr<Batch> batch) { put(full_, std::move(batch)); }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }

 private:
  std::unique_ptr<Batch> take(std::deque<std::unique_ptr<Batch>>& from) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !from.empty() || (closed_ && &from == &full_); });
    if (from.empty()) return nullptr;
    auto batch = std::move(from.front());
    from.pop_front();
    return batch;
  }
  void put(std::deque<std::unique_ptr<Batch>>& to, std::unique_ptr<Batch> batch) {
    std::lock_guard lock(mutex_);
    to.push_back(std::move(batch));
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Batch>> full_, empty_;
  bool closed_ = false;
};

class ThreadedSink : public LineSink {
 public:
  explicit ThreadedSink(Aggregator& aggregator)
      : aggregator_(aggregator), current_(queue_.take_empty()), counter_([this] { count(); }) {}
  ~ThreadedSink() override { finish_quietly(); }

  void reading(LineReader& reader) override {
    reader.set_buffer_exchange([this](LineReader::Buffer used) { return exchange(std::move(used)); });
  }
  void done_reading(LineReader& reader) override { reader.release_buffer(); }
  void add(const LogLine& line) override {
    Event event = classify(line.daemon, line.payload);  // here: most lines have nothing to count
    if (std::holds_alternative<std::monostate>(event)) return skip();
    current_->items.push_back({skipped_, line, event});
    skipped_ = 0;
  }
  void skip() override { ++skipped_; }
  void finish() override {
    finish_quietly();
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

 private:
  // The lines so far point into used: they go with it.
  LineReader::Buffer exchange(LineReader::Buffer used) {
    current_->text = std::move(used);
    hand_over();
    return std::move(current_->text);  // null at first: the reader makes one
  }
  void hand_over() {
    current_->skipped_after = std::exchange(skipped_, 0);
    queue_.push_full(std::move(current_));
    current_ = queue_.take_empty();
  }
  void finish_quietly() {
    if (!counter_.joinable()) return;
    hand_over();
    queue_.close();
    counter_.join();
  }
  // The counting thread. After a failure it keeps draining, so the reader never waits forever.
  void count() {
    while (auto batch = queue_.take_full()) {
      if (!failure_) {
        try {
          for (const auto& item : batch->items) {
            if (item.skipped_before) aggregator_.tick(item.skipped_before);
            aggregator_.add(item.line, item.event);
          }
          if (batch->skipped_after) aggregator_.tick(batch->skipped_after);
        } catch (...) {
          failure_ = std::current_exception();
        }
      }
      queue_.give_back(std::move(batch));
    }
  }

  Aggregator& aggregator_;
  BatchQueue queue_;
  std::unique_ptr<Batch> current_;
  uint64_t skipped_ = 0;
  std::exception_ptr failure_;  // written by the counter, read after join
  std::thread counter_;         // last: starts once everything else is built
};

}  // namespace

std::unique_ptr<LineSink> direct_sink(Aggregator& aggregator) { return std::make_unique<DirectSink>(aggregator); }
std::unique_ptr<LineSink> threaded_sink(Aggregator& aggregator) { return std::make_unique<ThreadedSink>(aggregator); }

}  // namespace mxtls::logs
