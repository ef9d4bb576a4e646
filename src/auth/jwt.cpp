#include "auth/jwt.hpp"

#include <boost/json.hpp>

#include "auth/crypto.hpp"

namespace crema::auth {

namespace json = boost::json;

namespace {

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Error invalid(std::string why = "The access token is not valid.") {
  return Error::make(ErrorCode::unauthorized, std::move(why));
}

std::optional<json::object> decode_object(std::string_view part) {
  auto raw = base64url_decode(part);
  if (!raw) return std::nullopt;
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 4;
  auto v = json::parse(*raw, ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::optional<std::int64_t> int_claim(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

std::optional<std::string> text_claim(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string() || v->get_string().empty() || v->get_string().size() > 128)
    return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

JwtCodec::JwtCodec(std::string secret) : secret_(std::move(secret)) {}

std::string JwtCodec::sign(const AccessClaims& c) const {
  json::object payload{{"sub", c.sub}, {"role", role_name(c.role)},
                       {"iat", c.iat}, {"exp", c.exp},
                       {"jti", c.jti}, {"sid", c.sid}};
  std::string signing_input =
      base64url_encode(kHeader) + "." + base64url_encode(json::serialize(payload));
  const std::string mac = hmac_sha256(secret_, signing_input);
  return signing_input + "." + base64url_encode(mac);
}

Result<AccessClaims> JwtCodec::verify(std::string_view token, std::int64_t now_s) const {
  if (token.empty() || token.size() > kMaxTokenBytes) return invalid();
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return invalid();
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return invalid();
  const std::string_view header_part = token.substr(0, dot1);
  const std::string_view payload_part = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_part = token.substr(dot2 + 1);
  if (header_part.empty() || payload_part.empty() || signature_part.empty()) return invalid();

  // The header decides nothing: it must be exactly what sign() writes (member order aside).
  auto header = decode_object(header_part);
  if (!header) return invalid();
  for (const auto& member : *header) {
    if (member.key() == "alg") {
      if (!member.value().is_string() || member.value().get_string() != "HS256")
        return invalid("The access token's algorithm is not accepted.");
    } else if (member.key() == "typ") {
      if (!member.value().is_string() || member.value().get_string() != "JWT") return invalid();
    } else {
      return invalid();
    }
  }
  if (!header->contains("alg")) return invalid("The access token's algorithm is not accepted.");

  auto signature = base64url_decode(signature_part);
  if (!signature || signature->size() != 32) return invalid();
  const std::string expected =
      hmac_sha256(secret_, token.substr(0, header_part.size() + 1 + payload_part.size()));
  if (!constant_time_equal(*signature, expected)) return invalid();

  auto payload = decode_object(payload_part);
  if (!payload) return invalid();
  AccessClaims c;
  auto sub = text_claim(*payload, "sub");
  auto role_text = text_claim(*payload, "role");
  auto iat = int_claim(*payload, "iat");
  auto exp = int_claim(*payload, "exp");
  auto jti = text_claim(*payload, "jti");
  auto sid = text_claim(*payload, "sid");
  if (!sub || !role_text || !iat || !exp || !jti || !sid) return invalid();
  auto role = parse_role(*role_text);
  if (!role) return invalid();
  if (*exp <= *iat || *exp - *iat > kAccessTokenSeconds) return invalid();
  if (*iat > now_s + kLeewaySeconds) return invalid();
  if (now_s >= *exp) return invalid("The access token has expired.");
  c.sub = std::move(*sub);
  c.role = *role;
  c.iat = *iat;
  c.exp = *exp;
  c.jti = std::move(*jti);
  c.sid = std::move(*sid);
  return c;
}

}  // namespace crema::auth
