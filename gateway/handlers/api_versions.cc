#include "handlers/api_versions.h"

#include "kafka/error_code.h"

namespace groupwire::gateway {

using kafka::ApiVersionsRequest;
using kafka::ApiVersionsResponse;

bool valid_client_software_field(std::string_view s) {
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

void add_api_versions_handler(Dispatcher& dispatcher) {
  dispatcher.add<ApiVersionsRequest, ApiVersionsResponse>(
      [&dispatcher](const RequestContext& ctx, ApiVersionsRequest req,
                    Respond<ApiVersionsResponse> respond) {
        ApiVersionsResponse resp;
        if (ctx.header.api_version >= 3 &&
            (!valid_client_software_field(req.client_software_name) ||
             !valid_client_software_field(req.client_software_version))) {
          resp.error_code = kafka::to_wire(kafka::ErrorCode::INVALID_REQUEST);
        } else {
          resp.api_keys = dispatcher.advertised();
        }
        respond(std::move(resp));
      });
}

}  // namespace groupwire::gateway
