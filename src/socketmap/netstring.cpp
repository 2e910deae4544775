#include "socketmap/netstring.hpp"

#include <charconv>

namespace mxtls::socketmap {
namespace {

// Reply text goes back to Postfix inside a netstring: keep it printable and
// short, whatever a hostile peer put into it.
std::string sanitize(std::string_view text, size_t max_length = 4000) {
  std::string out;
  for (char c : text.substr(0, max_length)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

std::string encode_netstring(std::string_view payload) {
  return std::to_string(payload.size()) + ":" + std::string(payload) + ",";
}

bool NetstringReader::feed(std::string_view bytes) {
  if (broken_) return false;
  buffer_.append(bytes);
  return true;
}

Result<std::optional<std::string>> NetstringReader::next() {
  auto fail = [this](std::string why) -> Error {
    broken_ = true;
    why_ = why;
    buffer_.clear();
    return invalid_error(std::move(why));
  };
  if (broken_) return invalid_error(why_);
  size_t colon = buffer_.find(':');
  size_t digits = colon == std::string::npos ? buffer_.size() : colon;
  if (digits > 10) return fail("netstring length has too many digits");
  for (size_t i = 0; i < digits; ++i)
    if (buffer_[i] < '0' || buffer_[i] > '9') return fail("netstring length is not a number");
  if (colon == std::string::npos) return std::optional<std::string>();
  if (colon == 0) return fail("netstring without a length");
  if (colon > 1 && buffer_[0] == '0') return fail("netstring length with a leading zero");
  size_t length = 0;
  std::from_chars(buffer_.data(), buffer_.data() + colon, length);
  if (length > max_payload_) return fail("netstring longer than " + std::to_string(max_payload_) + " bytes");
  if (buffer_.size() < colon + 1 + length + 1) return std::optional<std::string>();
  if (buffer_[colon + 1 + length] != ',') return fail("netstring not terminated by a comma");
  std::string payload = buffer_.substr(colon + 1, length);
  buffer_.erase(0, colon + 1 + length + 1);
  return std::optional<std::string>(std::move(payload));
}

Result<Request> parse_request(std::string_view payload) {
  size_t space = payload.find(' ');
  if (space == std::string_view::npos || space == 0 || space + 1 == payload.size())
    return invalid_error("socketmap request is not \"name key\"");
  Request r{std::string(payload.substr(0, space)), std::string(payload.substr(space + 1))};
  for (char c : r.name)
    if (c <= 0x20 || c >= 0x7f) return invalid_error("socketmap map name has control or non-ASCII bytes");
  return r;
}

std::string reply_ok(std::string_view data) { return "OK " + sanitize(data); }
std::string reply_notfound() { return "NOTFOUND "; }
std::string reply_temp(std::string_view reason) { return "TEMP " + sanitize(reason); }
std::string reply_perm(std::string_view reason) { return "PERM " + sanitize(reason); }

}  // namespace mxtls::socketmap
