#include "config/help.hpp"

namespace bankd::config {

const char* HelpText() {
  return R"(bankd: a single-node consortium service speaking CCF's HTTP API with the
banking application (see node/README.md).

Usage:
  bankd --config FILE     run with the JSON configuration FILE
  bankd --help            this text
  bankd --version         the version

bankd serves HTTPS (TLS 1.2/1.3) on rpc_address until SIGTERM or SIGINT, then
finishes in-flight requests, signs and flushes the ledger, and exits 0.
Clients trust the service certificate (service_certificate_file) as their CA
and authenticate with the client certificate of a member or user.

Configuration file (JSON; relative paths are relative to the file's directory;
unknown keys are errors):
  rpc_address                 "HOST:PORT" to listen on (default "127.0.0.1:8000")
  published_address           address advertised in /node/network/nodes
                              (default: rpc_address)
  data_directory              service and node keys and certificates, created
                              at first start and reused (default "data")
  ledger.directory            the ledger (default "ledger")
  ledger.chunk_size           complete a chunk at a signature after this many
                              bytes (default "5MB", as CCF)
  snapshots.directory         CCF snapshots, written and started from
                              (default "snapshots")
  snapshots.tx_count          write a snapshot at the first signature this
                              many transactions after the previous one
                              (default 10000, as CCF; 0: none written)
  snapshots.min_ledger_growth and only once the ledger written since the
                              previous snapshot is this many times its size
                              (bankd's; default 1: snapshots never write
                              more than the ledger does; 0: tx_count
                              alone, as CCF)
  service_certificate_file    where the service certificate is written at
                              start (default "service_cert.pem")
  node_certificate.subject_alt_names
                              SANs of the node (TLS) certificate, as
                              "iPAddress:127.0.0.1" / "dNSName:localhost"
                              (default ["iPAddress:127.0.0.1"])
  members[]                   initial members, registered Active when the
                              ledger is created:
    certificate_file            PEM certificate (required)
    encryption_public_key_file  PEM public key (optional)
    member_data                 any JSON (optional)
  users[]                     initial users, registered when the ledger is
                              created:
    certificate_file            PEM certificate (required)
    user_data                   any JSON (optional)
  ledger_signatures.tx_count  sign the Merkle root every N transactions
                              (default 5000)
  ledger_signatures.delay     ...or after this long with unsigned ones
                              (default "1000ms"; ms, s, min)
  http_configuration.max_body_size
                              largest request body (default "1MB"; B, KB, MB,
                              GB); larger: 413 RequestBodyTooLarge
  http_configuration.max_header_size
                              largest request header block (default "16KB");
                              larger: 431 RequestHeaderTooLarge
  http_configuration.max_headers_count
                              most header fields in a request (default 256);
                              more: 431 RequestHeaderTooLarge
  http_configuration.header_timeout
                              a request's header block must arrive within this
                              of its first byte, or the connection is closed
                              (default "10s"; bankd's own, not CCF's)
  http_configuration.max_concurrent_streams_count
  http_configuration.initial_window_size
  http_configuration.max_frame_size
                              HTTP/2 SETTINGS (defaults 100, "64KB", "16KB")
  max_open_sessions_soft      open connections past which a new one is
                              answered 503 SessionCapExhausted (default 1000)
  max_open_sessions_hard      ...past which it is closed at once (default 1010)
  idle_connection_timeout     close a connection idle this long (default "60s")
  worker_threads              threads serving requests (default 1)

Example: config/bankd.example.json (it uses the identities that
`bankctl keygen` or `bankctl sandbox up` put in ./workspace/sandbox_common and
keeps its own ledger in ./workspace/bankd_example). `bankctl sandbox up`
writes a configuration and starts bankd for you.
)";
}

}  // namespace bankd::config
