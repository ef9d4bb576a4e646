#include "events/redis_client.hpp"

#include <cerrno>

#include <hiredis/hiredis.h>
#include <openssl/sha.h>

#include "db/types.hpp"

namespace crema::events {

namespace {

// After a failed connection, new ones are not attempted for this long: calls fail at once.
constexpr std::chrono::milliseconds kBackoff{1000};

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::nil;
  }
  return out;
}

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

}  // namespace

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char b : digest) {
    sha1_ += kHex[b >> 4];
    sha1_ += kHex[b & 15];
  }
}

void RedisClient::ContextDeleter::operator()(redisContext* c) const noexcept { redisFree(c); }

RedisClient::RedisClient(RedisEndpoint endpoint, std::chrono::milliseconds timeout,
                         std::size_t max_idle)
    : endpoint_(std::move(endpoint)), timeout_(timeout), max_idle_(max_idle) {}

RedisClient::~RedisClient() = default;

void RedisClient::fail(const std::string& what) {
  {
    std::lock_guard lock(mutex_);
    retry_after_ = std::chrono::steady_clock::now() + kBackoff;
    idle_.clear();  // the others are likely broken too
  }
  throw db::Error(db::Error::Kind::unavailable, "redis: " + what);
}

RedisClient::Context RedisClient::connect() {
  {
    std::lock_guard lock(mutex_);
    if (std::chrono::steady_clock::now() < retry_after_)
      throw db::Error(db::Error::Kind::unavailable, "redis: unreachable (retrying shortly)");
  }
  const timeval tv = to_timeval(timeout_);
  Context c(redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, tv));
  if (!c) fail("out of memory");
  if (c->err) fail(std::string("cannot connect: ") + c->errstr);
  redisSetTimeout(c.get(), tv);
  auto simple = [&](std::initializer_list<std::string_view> argv) {
    std::vector<const char*> ptrs;
    std::vector<std::size_t> lens;
    for (auto a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(ptrs.size()), ptrs.data(), lens.data()));
    if (!r) fail(std::string("connection lost: ") + c->errstr);
    const bool error = r->type == REDIS_REPLY_ERROR;
    freeReplyObject(r);
    return !error;
  };
  if (!endpoint_.password.empty()) {
    const bool ok = endpoint_.username.empty()
                        ? simple({"AUTH", endpoint_.password})
                        : simple({"AUTH", endpoint_.username, endpoint_.password});
    if (!ok) fail("authentication failed");
  }
  if (endpoint_.db != 0) {
    const std::string db = std::to_string(endpoint_.db);
    if (!simple({"SELECT", db})) fail("cannot select database " + db);
  }
  return c;
}

RedisClient::Context RedisClient::acquire(bool& reused) {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      Context c = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return c;
    }
  }
  reused = false;
  return connect();
}

void RedisClient::release(Context c) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
}

RedisReply RedisClient::command(std::span<const std::string_view> argv) {
  bool reused = false;
  Context c = acquire(reused);
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (auto a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  auto run = [&] {
    return static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(ptrs.size()), ptrs.data(), lens.data()));
  };
  auto* r = run();
  // An idle connection the server closed meanwhile (Redis restarted): the command never
  // reached a live server, so it is sent once more on a new connection instead of failing
  // (and holding every call off for the backoff).
  if (!r && reused &&
      (c->err == REDIS_ERR_EOF ||
       (c->err == REDIS_ERR_IO && (errno == ECONNRESET || errno == EPIPE)))) {
    c = connect();
    r = run();
  }
  if (!r) fail(std::string("command failed: ") + (c->errstr[0] ? c->errstr : "no reply"));
  RedisReply out = convert(r);
  freeReplyObject(r);
  release(std::move(c));
  return out;
}

RedisReply RedisClient::eval(const RedisScript& script, std::span<const std::string_view> keys,
                             std::span<const std::string_view> args) {
  const std::string nkeys = std::to_string(keys.size());
  auto run = [&](std::string_view verb, std::string_view body) {
    std::vector<std::string_view> argv{verb, body, nkeys};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return command(argv);
  };
  RedisReply r = run("EVALSHA", script.sha1());
  if (r.is_error() && r.str.rfind("NOSCRIPT", 0) == 0) r = run("EVAL", script.source());
  if (r.is_error()) throw db::Error(db::Error::Kind::other, "redis script: " + r.str);
  return r;
}

}  // namespace crema::events
