#pragma once
/// The one outbound call of the obs layer's reporters (Sentry events, OTLP trace spans): a
/// blocking POST from the reporter's own thread, never from a request's.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace crema::obs {

/// POSTs `body` to `url` with `header_lines` ("Name: value"); the answer's body is discarded.
/// Answers "" for a 2xx answer, else why not ("HTTP 503", or libcurl's error).
std::string post_report(const std::string& url, const std::vector<std::string>& header_lines,
                        std::string_view body, std::chrono::milliseconds timeout,
                        std::chrono::milliseconds connect_timeout);

}  // namespace crema::obs
