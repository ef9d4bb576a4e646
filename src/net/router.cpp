#include "net/router.hpp"

#include <stdexcept>
#include <unordered_map>

namespace crema::http {

struct Router::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>> literals;
  std::unique_ptr<Node> param;  // the `{name}` child, if any
  std::string param_name;
  std::array<const Route*, kMethodCount> handlers{};

  bool has_any_handler() const noexcept {
    for (auto* h : handlers)
      if (h) return true;
    return false;
  }
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

namespace {

// Splits "/a/b" into its first segment "a" and the rest "/b" (empty when none).
std::pair<std::string_view, std::string_view> next_segment(std::string_view path) {
  // path starts with '/'
  path.remove_prefix(1);
  auto slash = path.find('/');
  if (slash == std::string_view::npos) return {path, {}};
  return {path.substr(0, slash), path.substr(slash)};
}

}  // namespace

const Route& Router::add(Route route) {
  if (route.pattern.empty() || route.pattern.front() != '/')
    throw std::logic_error("route template must start with '/': " + route.pattern);
  if (route.method == Method::other) throw std::logic_error("route needs a method");
  Node* node = root_.get();
  std::string_view rest = route.pattern;
  while (!rest.empty() && rest != "/") {
    auto [seg, tail] = next_segment(rest);
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string name(seg.substr(1, seg.size() - 2));
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = name;
      } else if (node->param_name != name) {
        throw std::logic_error("conflicting parameter names at " + route.pattern);
      }
      node = node->param.get();
    } else {
      if (seg.empty()) throw std::logic_error("empty segment in " + route.pattern);
      auto& child = node->literals[std::string(seg)];
      if (!child) child = std::make_unique<Node>();
      node = child.get();
    }
    rest = tail;
  }
  auto idx = static_cast<std::size_t>(route.method);
  if (node->handlers[idx])
    throw std::logic_error("duplicate route " + std::string(method_name(route.method)) + " " +
                           route.pattern);
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  node->handlers[idx] = routes_.back().get();
  return *routes_.back();
}

bool Router::match_node(const Node& node, std::string_view rest, Method method, Match& out) const {
  if (rest.empty() || rest == "/") {
    // No trailing-slash twins, unless the route asks for one (a mount such as /app/).
    const bool twin = rest == "/" && &node != root_.get();
    auto* r = node.handlers[static_cast<std::size_t>(method)];
    // HEAD is answered by GET routes.
    if (!r && method == Method::head) r = node.handlers[static_cast<std::size_t>(Method::get)];
    if (r && (!twin || r->trailing_slash)) {
      out.route = r;
      return true;
    }
    if (twin) return false;
    for (std::size_t i = 0; i < kMethodCount; ++i) {
      if (node.handlers[i]) {
        auto m = static_cast<Method>(i);
        if (std::find(out.allowed.begin(), out.allowed.end(), m) == out.allowed.end())
          out.allowed.push_back(m);
      }
    }
    return false;
  }
  auto [seg, tail] = next_segment(rest);
  if (auto it = node.literals.find(std::string(seg)); it != node.literals.end()) {
    if (match_node(*it->second, tail, method, out)) return true;
  }
  if (node.param && !seg.empty()) {
    out.params.emplace_back(node.param_name, std::string(seg));
    if (match_node(*node.param, tail, method, out)) return true;
    out.params.pop_back();
  }
  return false;
}

Match Router::match(Method method, std::string_view path) const {
  Match out;
  if (path.empty() || path.front() != '/') return out;
  if (!match_node(*root_, path, method, out)) {
    out.route = nullptr;
    out.params.clear();
  } else {
    out.allowed.clear();
  }
  return out;
}

std::string resolve_api_alias(std::string_view path) {
  constexpr std::string_view kApi = "/api/";
  constexpr std::string_view kV1 = "/api/v1";
  if (path.substr(0, kApi.size()) != kApi) return std::string(path);
  if (path.substr(0, kV1.size()) == kV1 && (path.size() == kV1.size() || path[kV1.size()] == '/'))
    return std::string(path);
  std::string out(kV1);
  out.append(path.substr(kApi.size() - 1));
  return out;
}

}  // namespace crema::http
