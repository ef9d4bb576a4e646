#include "events/hub.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <unordered_set>

#include "events/bus.hpp"
#include "events/socket_ledger.hpp"

namespace crema::events {

namespace {

bool matches(std::string_view prefix, std::string_view channel) noexcept {
  if (!prefix.empty() && prefix.back() == ':')
    return channel.size() > prefix.size() && channel.substr(0, prefix.size()) == prefix;
  return channel == prefix;
}

}  // namespace

Hub::Hub() {
  std::random_device rd;
  const std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(r));
  instance_ = buf;
}

void Hub::attach(Bus& bus) {
  bus.subscribe_frames([this](const Event& e, const Frame& f) {
    if (e.type == kRevocationEvent) {
      if (auto r = revocation_of(e)) revoke(*r);
      return;
    }
    if (e.type == kSocketEvictedEvent) {
      if (auto ev = socket_evicted_of(e)) evict_socket(ev->first, ev->second);
      return;
    }
    fan_out(e.topics, f);
  });
}

void Hub::register_channel(std::string prefix, ChannelCheck check, bool blocking) {
  std::unique_lock lock(rules_mutex_);
  rules_.push_back(
      Rule{std::move(prefix), std::make_shared<const ChannelCheck>(std::move(check)), blocking});
}

std::vector<std::string> Hub::default_channels(const auth::Principal& p) {
  if (p.is_guest()) return {"order:" + p.order_id};  // its one order (SPEC §15.1)
  if (p.is_staff_plus()) return {"orders", "inventory", "menu"};
  if (p.role == auth::Role::driver) return {"driver:" + p.user_id};
  return {"user:" + p.user_id};
}

bool Hub::valid_channel(std::string_view channel) noexcept {
  if (channel.empty() || channel.size() > kMaxChannelLength) return false;
  for (char c : channel) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ':' || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Hub::Decision Hub::decide(const auth::Principal& principal, std::string_view channel) const {
  using Kind = Decision::Kind;
  for (const auto& own : default_channels(principal))
    if (own == channel) return {Kind::allowed, nullptr};
  // A guest's order token opens its order's channel and nothing else (SPEC §15.1), not even
  // the public menu's.
  if (principal.is_guest()) return {Kind::forbidden, nullptr};
  const Rule* best = nullptr;
  std::shared_lock lock(rules_mutex_);
  for (const auto& r : rules_)
    if (matches(r.prefix, channel) && (!best || r.prefix.size() > best->prefix.size())) best = &r;
  if (!best) return {principal.is_staff_plus() ? Kind::allowed : Kind::forbidden, nullptr};
  if (best->blocking) return {Kind::check, best->check};
  return {(*best->check)(principal, channel) ? Kind::allowed : Kind::forbidden, nullptr};
}

void Hub::subscribe(const std::string& topic, const std::shared_ptr<Subscriber>& subscriber) {
  std::unique_lock lock(mutex_);
  topics_[topic].insert_or_assign(subscriber.get(), std::weak_ptr<Subscriber>(subscriber));
}

void Hub::unsubscribe(const std::string& topic, const Subscriber* subscriber) {
  std::unique_lock lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  it->second.erase(subscriber);
  if (it->second.empty()) topics_.erase(it);
}

void Hub::fan_out(const std::vector<std::string>& topics, const Frame& frame) const {
  // Collected under the lock, delivered after it: a session's deliver() takes its own
  // lock, and subscribing sessions should not wait for a big fan-out.
  std::vector<std::shared_ptr<Subscriber>> targets;
  {
    std::shared_lock lock(mutex_);
    std::size_t n = 0;
    for (const auto& t : topics)
      if (auto it = topics_.find(t); it != topics_.end()) n += it->second.size();
    if (n == 0) return;
    targets.reserve(n);
    std::unordered_set<const Subscriber*> seen;
    const bool several = topics.size() > 1;
    for (const auto& t : topics) {
      auto it = topics_.find(t);
      if (it == topics_.end()) continue;
      for (const auto& [key, weak] : it->second) {
        if (several && !seen.insert(key).second) continue;
        if (auto s = weak.lock()) targets.push_back(std::move(s));
      }
    }
  }
  for (const auto& s : targets) s->deliver(frame);
}

std::string Hub::add_user_session(const std::string& user_id,
                                  const std::shared_ptr<Subscriber>& session) {
  std::string socket_id;
  std::shared_ptr<const SocketReporter> reporter;
  {
    std::lock_guard lock(users_mutex_);
    char count[24];
    std::snprintf(count, sizeof count, "%012llu", static_cast<unsigned long long>(next_socket_++));
    socket_id = instance_ + "-" + count;
    users_[user_id].push_back(UserSession{session.get(), session, socket_id});
    reporter = reporter_;
  }
  // Reported outside the lock (the reporter only queues); a close of this session comes
  // later on its own thread, so it is reported after this.
  const auto at_us = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (!reporter || !(*reporter)(true, user_id, socket_id, at_us)) enforce_local_limit(user_id);
  return socket_id;
}

void Hub::enforce_local_limit(const std::string& user_id) {
  std::vector<std::shared_ptr<Subscriber>> evicted;
  {
    std::lock_guard lock(users_mutex_);
    auto it = users_.find(user_id);
    if (it == users_.end()) return;
    auto& list = it->second;
    const std::size_t max = max_per_user_.load();
    // Sessions remove themselves when they end; one that is gone without doing so must not
    // cost a live one its place.
    if (max > 0 && list.size() > max)
      std::erase_if(list, [](const auto& e) { return e.session.expired(); });
    while (max > 0 && list.size() > max) {
      if (auto oldest = list.front().session.lock()) evicted.push_back(std::move(oldest));
      list.erase(list.begin());
    }
  }
  // Told outside the lock: evict() posts to the session's own thread.
  for (const auto& s : evicted) s->evict();
}

void Hub::evict_socket(const std::string& user_id, std::string_view socket_id) {
  std::shared_ptr<Subscriber> evicted;
  {
    std::lock_guard lock(users_mutex_);
    auto it = users_.find(user_id);
    if (it == users_.end()) return;
    auto& list = it->second;
    auto e = std::find_if(list.begin(), list.end(),
                          [socket_id](const auto& s) { return s.socket_id == socket_id; });
    if (e == list.end()) return;
    evicted = e->session.lock();
    list.erase(e);
    if (list.empty()) users_.erase(it);
  }
  if (evicted) evicted->evict();
}

void Hub::remove_user_session(const std::string& user_id, const Subscriber* session) {
  std::string socket_id;
  std::shared_ptr<const SocketReporter> reporter;
  {
    std::lock_guard lock(users_mutex_);
    auto it = users_.find(user_id);
    if (it == users_.end()) return;
    auto e = std::find_if(it->second.begin(), it->second.end(),
                          [session](const auto& s) { return s.key == session; });
    if (e == it->second.end()) return;  // evicted: already forgotten, here and in the ledger
    socket_id = std::move(e->socket_id);
    it->second.erase(e);
    if (it->second.empty()) users_.erase(it);
    reporter = reporter_;
  }
  if (reporter) (*reporter)(false, user_id, socket_id, 0);
}

void Hub::set_socket_reporter(std::shared_ptr<const SocketReporter> reporter) {
  std::lock_guard lock(users_mutex_);
  reporter_ = std::move(reporter);
}

void Hub::revoke(const Revocation& r) const {
  std::vector<std::shared_ptr<Subscriber>> targets;
  {
    std::lock_guard lock(users_mutex_);
    auto it = users_.find(r.user_id);
    if (it == users_.end()) return;
    for (const auto& e : it->second)
      if (auto s = e.session.lock()) targets.push_back(std::move(s));
  }
  for (const auto& s : targets) s->revoke(r);
}

void Hub::recheck_all() const {
  std::vector<std::shared_ptr<Subscriber>> targets;
  {
    std::lock_guard lock(users_mutex_);
    for (const auto& [user, list] : users_)
      for (const auto& e : list)
        if (auto s = e.session.lock()) targets.push_back(std::move(s));
  }
  for (const auto& s : targets) s->recheck();
}

std::size_t Hub::user_sessions(std::string_view user_id) const {
  std::lock_guard lock(users_mutex_);
  auto it = users_.find(std::string(user_id));
  if (it == users_.end()) return 0;
  std::size_t n = 0;
  for (const auto& e : it->second) n += e.session.expired() ? 0 : 1;
  return n;
}

std::size_t Hub::listeners(std::string_view topic) const {
  std::shared_lock lock(mutex_);
  auto it = topics_.find(std::string(topic));
  if (it == topics_.end()) return 0;
  std::size_t n = 0;
  for (const auto& [key, weak] : it->second) n += weak.expired() ? 0 : 1;
  return n;
}

}  // namespace crema::events
