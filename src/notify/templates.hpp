#pragma once
/// Message templates per notification type (SPEC §10), in files an operator can edit.
///
/// For a type T, the files `T.subject`, `T.txt`, `T.html` and `T.sms` in the templates
/// directory (CREMA_TEMPLATES_DIR) replace the built-in text of that part; a missing file
/// keeps the built-in one. Files are read at each render, so an edit applies to the next
/// message without a restart. `{{name}}` or `{{item.name}}` is replaced by that field of
/// the notification's payload (missing: empty); in the HTML part the value is HTML-escaped.

#include <string>
#include <string_view>

#include <boost/json/object.hpp>

namespace crema::notify {

/// One message, rendered for every channel.
struct Rendered {
  std::string subject;
  std::string text;  ///< plain-text body (email, log)
  std::string html;  ///< HTML body (email)
  std::string sms;   ///< short text (SMS)
};

class Templates {
 public:
  /// `dir` empty: built-in templates only.
  explicit Templates(std::string dir = {}) : dir_(std::move(dir)) {}
  Rendered render(std::string_view type, const boost::json::object& payload) const;
  /// The built-in text of one part ("subject", "txt", "html", "sms"); "" when none.
  static std::string_view builtin(std::string_view type, std::string_view part);

 private:
  std::string part(std::string_view type, std::string_view part) const;
  std::string dir_;
};

/// Replaces `{{path}}` placeholders with payload values (HTML-escaped when `html`).
std::string fill_template(std::string_view tmpl, const boost::json::object& payload, bool html);

/// `&<>"'` escaped for HTML text and attributes.
std::string html_escape(std::string_view text);

}  // namespace crema::notify
