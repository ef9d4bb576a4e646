#include "events/socket_ledger.hpp"

#include <exception>

#include <boost/json.hpp>

#include "events/bus.hpp"
#include "events/hub.hpp"
#include "events/redis_client.hpp"
#include "obs/log.hpp"

namespace crema::events {

namespace {

// Adds the socket, keeps the set a day past its user's last connection, and takes out the
// oldest beyond the limit in the same step, so two instances opening the user's next socket
// at once cannot both keep theirs. ZPOPMIN orders by score, then by member: the ids of one
// instance sort in their opening order.
const RedisScript& open_script() {
  static const RedisScript kScript(R"lua(
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
local out = {}
if over > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], over)
  for n = 1, #popped, 2 do out[#out + 1] = popped[n] end
end
return out
)lua");
  return kScript;
}

constexpr std::int64_t kKeepMs = 24LL * 60 * 60 * 1000;

}  // namespace

Event socket_evicted_event(std::string_view user_id, std::string_view socket_id) {
  boost::json::object data{{"user_id", user_id}, {"socket_id", socket_id}};
  return Event{std::string(kSocketEvictedEvent), std::move(data), {}, 0, false};
}

std::optional<std::pair<std::string, std::string>> socket_evicted_of(const Event& event) {
  if (event.type != kSocketEvictedEvent || !event.data.is_object()) return std::nullopt;
  const auto& o = event.data.get_object();
  const auto* user = o.if_contains("user_id");
  const auto* socket = o.if_contains("socket_id");
  if (!user || !socket || !user->is_string() || !socket->is_string()) return std::nullopt;
  if (user->get_string().empty() || socket->get_string().empty()) return std::nullopt;
  return std::pair{std::string(user->get_string()), std::string(socket->get_string())};
}

// ---- Redis ----------------------------------------------------------------------------------

RedisSocketLedger::RedisSocketLedger(std::shared_ptr<RedisClient> redis, int db)
    : redis_(std::move(redis)), prefix_("crema:" + std::to_string(db) + ":ws:") {}

std::string RedisSocketLedger::key(std::string_view user_id) const {
  return prefix_ + std::string(user_id);
}

std::vector<std::string> RedisSocketLedger::opened(const std::string& user_id,
                                                   const std::string& socket_id, std::int64_t at_us,
                                                   std::size_t max) {
  const std::string k = key(user_id);
  const std::string at = std::to_string(at_us);
  const std::string limit = std::to_string(max);
  const std::string keep = std::to_string(kKeepMs);
  const std::string_view keys[] = {k};
  const std::string_view args[] = {socket_id, at, limit, keep};
  const RedisReply reply = redis_->eval(open_script(), keys, args);
  std::vector<std::string> evicted;
  for (const auto& e : reply.elements)
    if (e.type == RedisReply::Type::string) evicted.push_back(e.str);
  return evicted;
}

void RedisSocketLedger::closed(const std::string& user_id, const std::string& socket_id) {
  const std::string k = key(user_id);
  const RedisReply reply = redis_->command({"ZREM", k, socket_id});
  if (reply.is_error()) throw std::runtime_error("redis: " + reply.str);
}

// ---- the hub's link -------------------------------------------------------------------------

GlobalSocketLimit::GlobalSocketLimit(std::shared_ptr<SocketLedger> ledger, Hub& hub, const Bus& bus)
    : ledger_(std::move(ledger)), hub_(hub), bus_(bus) {
  thread_ = std::thread([this] { run(); });
  hub_.set_socket_reporter(std::make_shared<const Hub::SocketReporter>(
      [this](bool opened, const std::string& user_id, const std::string& socket_id,
             std::int64_t at_us) {
        return report(Report{opened, user_id, socket_id, at_us});
      }));
}

GlobalSocketLimit::~GlobalSocketLimit() { stop(); }

void GlobalSocketLimit::stop() {
  hub_.set_socket_reporter(nullptr);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool GlobalSocketLimit::report(Report r) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= kMaxQueued) return false;
    queue_.push_back(std::move(r));
  }
  wake_.notify_one();
  return true;
}

void GlobalSocketLimit::run() {
  for (;;) {
    Report r;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything reported was applied
      r = std::move(queue_.front());
      queue_.pop_front();
    }
    apply(r);
  }
}

void GlobalSocketLimit::apply(const Report& r) {
  try {
    if (r.opened) {
      const std::size_t max = hub_.max_per_user();
      if (max == 0) return;  // no limit: nothing to count
      const auto evicted = ledger_->opened(r.user_id, r.socket_id, r.at_us, max);
      // Every instance hears it (this one at once, on this thread); the one holding the
      // socket closes it.
      for (const auto& id : evicted) bus_.publish(socket_evicted_event(r.user_id, id));
    } else {
      ledger_->closed(r.user_id, r.socket_id);
    }
    if (failing_) obs::Log(obs::Level::info, "websocket ledger reachable again");
    failing_ = false;
  } catch (const std::exception& e) {
    if (!failing_)
      obs::Log(obs::Level::warn, "websocket ledger unreachable; limiting sockets per instance")
          .str("error", e.what());
    failing_ = true;
    // The user keeps at most the limit here, at least.
    if (r.opened) hub_.enforce_local_limit(r.user_id);
  }
}

}  // namespace crema::events
