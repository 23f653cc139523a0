/**
 * Exit codes of the `smtplib` command. They are part of its interface: scripts test them.
 * @module
 */

/** The exit codes by name (`ExitCode.USAGE` is 2); README's table lists them. */
export const ExitCode = Object.freeze({
  /** Done: every recipient accepted (send), server stopped cleanly (serve), probe complete. */
  OK: 0,
  /** An unexpected error (a bug, or something not covered below). */
  FAILURE: 1,
  /** The command line is wrong (unknown option, missing value, conflicting flags). */
  USAGE: 2,
  /** send: the message was accepted for some recipients and refused for others (or, with --lmtp, interrupted before the others' replies: not confirmed). */
  PARTIAL: 3,
  /** send: the server refused the message (sender, every recipient, or the data), lacks an extension it needs (SMTPUTF8, 8BITMIME), or limits its size (SIZE) below what was read of it. */
  REFUSED: 4,
  /** Could not connect, TLS failed, was refused or was required but not offered, timeout, disconnect (a 421 included, or a 2yz before the server had all of the message, or other than 250 to its end); serve: cannot listen. */
  UNAVAILABLE: 5,
  /** Authentication failed or the server does not offer a usable mechanism. */
  AUTH: 6,
  /** The input message could not be read. */
  NO_INPUT: 7,
  /** send: interrupted by Ctrl-C (SIGINT) or SIGTERM before the server confirmed the message (with --lmtp: for any recipient) (128 + 2); probe: interrupted. */
  INTERRUPTED: 130,
  /**
   * serve: its output was closed (`serve | head`: EPIPE). 128 + 13 (SIGPIPE): the status a
   * shell gives a tool that a closed pipe ends (`yes | head`), which `set -o pipefail` sees.
   */
  OUTPUT_CLOSED: 141,
});

/** One of the values of {@link ExitCode}. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The table printed at the end of `smtplib send --help`. */
export const EXIT_CODE_HELP = `Exit codes:
  0  every recipient accepted
  1  unexpected error
  2  usage error (also a --ca-file that cannot be used, or a device such as
     /dev/zero as the message)
  3  some recipients refused (the others got the message); with --lmtp also
     interrupted, or the connection closed, after some recipients' replies:
     the others, printed as "not confirmed", may or may not have it
  4  refused by the server (sender, all recipients, or the data), the
     server lacks an extension the message needs (SMTPUTF8; 8BITMIME for
     8-bit bytes), or the message is over the server's SIZE limit (sending
     stopped)
  5  connection, TLS or timeout failure (also a 421: the server closing the
     connection; a 2yz before the server had all of the message, or one
     other than 250 to its end, which may have been delivered; or STARTTLS
     refused)
  6  authentication failed, or no mechanism both sides can use
  7  the message could not be read
  130  interrupted (Ctrl-C or SIGTERM) before the server confirmed the message
     (with --lmtp: for any recipient)`;

/** The table printed at the end of `smtplib probe --help`. */
export const PROBE_EXIT_CODE_HELP = `Exit codes:
  0  the server greeted and answered EHLO (or HELO; LHLO with --lmtp)
  1  unexpected error
  2  usage error (also a --ca-file that cannot be used)
  5  connection, TLS or timeout failure, a reply that is not SMTP, the
     server refusing the greeting command or STARTTLS, or not offering
     STARTTLS with --require-tls
  130  interrupted (Ctrl-C or SIGTERM)`;

/** The table printed at the end of `smtplib serve --help`. */
export const SERVE_EXIT_CODE_HELP = `Exit codes:
  0  stopped by Ctrl-C or SIGTERM (also before it listens)
  1  its output could not be written (a full disk), found at a write
  2  usage error (also an --auth-file that cannot be used)
  5  cannot start: cannot listen on --host/--port, or --tls-cert/--tls-key
     cannot be used
  141  its output was closed (serve | head), found at its next write
     (128 + SIGPIPE, as a shell says of a tool a closed pipe ends)`;
