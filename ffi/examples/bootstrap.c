/*
 * Bootstrap from a smartcard through PC/SC with the scboot C API: the
 * one-call form (scboot_run) with a transmit callback over libpcsclite,
 * inside one PC/SC transaction. One line per account:
 *   instance=<n> uri=<uri> bootstrap_server=<0|1> security_mode=<n> ...
 *
 * Build (README, "From C"):
 *   cargo build --release -p scboot-ffi
 *   cc -std=c99 -Wall -Werror -Iffi/include ffi/examples/bootstrap.c \
 *      target/release/libscboot_ffi.a -lpcsclite -lpthread -ldl -lm
 * Usage:
 *   ./a.out [--reader NAME] [--policy off|if-offered|required]
 *           [--basic-channel] [--keys FILE]
 * FILE is the CLI's keys file (kvn, enc, mac, dek) or a card configuration
 * with a [keys] table. Default keys: the demo card's.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The few PC/SC calls used, as pcsc-lite declares them on Linux (so that
   the build needs no -I for pcsc-lite's headers, which include each other
   by bare name). Elsewhere, use the platform's <winscard.h>. */
#if defined(__APPLE__) || defined(_WIN32)
#include <winscard.h>
#else
typedef unsigned long DWORD;
typedef long LONG;
typedef LONG SCARDCONTEXT;
typedef LONG SCARDHANDLE;
typedef struct {
  unsigned long dwProtocol;
  unsigned long cbPciLength;
} SCARD_IO_REQUEST;
extern const SCARD_IO_REQUEST g_rgSCardT0Pci, g_rgSCardT1Pci;
#define SCARD_PCI_T0 (&g_rgSCardT0Pci)
#define SCARD_PCI_T1 (&g_rgSCardT1Pci)
#define SCARD_S_SUCCESS ((LONG)0x00000000)
#define SCARD_E_INSUFFICIENT_BUFFER ((LONG)0x80100008)
#define SCARD_E_NO_SMARTCARD ((LONG)0x8010000C)
#define SCARD_W_UNPOWERED_CARD ((LONG)0x80100067)
#define SCARD_W_RESET_CARD ((LONG)0x80100068)
#define SCARD_W_REMOVED_CARD ((LONG)0x80100069)
#define SCARD_SCOPE_USER 0x0000
#define SCARD_SHARE_SHARED 0x0002
#define SCARD_PROTOCOL_T0 0x0001
#define SCARD_PROTOCOL_T1 0x0002
#define SCARD_LEAVE_CARD 0x0000
LONG SCardEstablishContext(DWORD scope, const void *r1, const void *r2, SCARDCONTEXT *ctx);
LONG SCardReleaseContext(SCARDCONTEXT ctx);
LONG SCardListReaders(SCARDCONTEXT ctx, const char *groups, char *readers, DWORD *len);
LONG SCardConnect(SCARDCONTEXT ctx, const char *reader, DWORD share, DWORD protocols,
                  SCARDHANDLE *card, DWORD *active);
LONG SCardDisconnect(SCARDHANDLE card, DWORD disposition);
LONG SCardBeginTransaction(SCARDHANDLE card);
LONG SCardEndTransaction(SCARDHANDLE card, DWORD disposition);
LONG SCardTransmit(SCARDHANDLE card, const SCARD_IO_REQUEST *send_pci, const unsigned char *send,
                   DWORD send_len, SCARD_IO_REQUEST *recv_pci, unsigned char *recv, DWORD *recv_len);
#endif

#include "scboot.h"

struct pcsc {
  SCARDHANDLE card;
  const SCARD_IO_REQUEST *pci;
};

/* scboot_run's transport: one APDU through SCardTransmit. */
static ptrdiff_t transmit(void *ctx, const uint8_t *command, size_t command_len,
                          uint8_t *response, size_t response_cap) {
  struct pcsc *t = (struct pcsc *)ctx;
  DWORD len = (DWORD)response_cap;
  LONG rv = SCardTransmit(t->card, t->pci, command, (DWORD)command_len, NULL,
                          response, &len);
  if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD)
    return -SCBOOT_FAULT_CARD_ABSENT;
  if (rv == SCARD_W_RESET_CARD || rv == SCARD_W_UNPOWERED_CARD)
    return -SCBOOT_FAULT_CARD_RESET;
  if (rv == SCARD_E_INSUFFICIENT_BUFFER)
    return -SCBOOT_FAULT_PROTOCOL;
  if (rv != SCARD_S_SUCCESS)
    return -SCBOOT_FAULT_TRANSIENT;
  return (ptrdiff_t)len;
}

static int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A quoted hex string into out (at most cap bytes); its length, or -1. */
static int parse_hex(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  const char *q = strchr(s, '"');
  if (!q) return -1;
  for (q++; *q && *q != '"'; q += 2) {
    int hi = hex_value(q[0]), lo = hex_value(q[1]);
    if (hi < 0 || lo < 0 || n == cap) return -1;
    out[n++] = (uint8_t)(hi * 16 + lo);
  }
  return *q == '"' ? (int)n : -1;
}

struct keys {
  int kvn;
  uint8_t enc[32], mac[32], dek[32];
  int enc_len, mac_len, dek_len;
};

/* kvn, enc, mac, dek at the top level or in [keys]; other tables ignored. */
static int load_keys(const char *path, struct keys *k) {
  char line[512];
  int in_keys = 1;
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return -1;
  }
  k->kvn = -1;
  k->enc_len = k->mac_len = k->dek_len = -1;
  while (fgets(line, sizeof line, f)) {
    char *s = line;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '#' || *s == '\n' || *s == 0) continue;
    if (*s == '[') {
      in_keys = strncmp(s, "[keys]", 6) == 0;
      continue;
    }
    if (!in_keys) continue;
    if (strncmp(s, "kvn", 3) == 0 && strchr(s, '='))
      k->kvn = (int)strtol(strchr(s, '=') + 1, NULL, 0);
    else if (strncmp(s, "enc", 3) == 0)
      k->enc_len = parse_hex(s, k->enc, sizeof k->enc);
    else if (strncmp(s, "mac", 3) == 0)
      k->mac_len = parse_hex(s, k->mac, sizeof k->mac);
    else if (strncmp(s, "dek", 3) == 0)
      k->dek_len = parse_hex(s, k->dek, sizeof k->dek);
  }
  fclose(f);
  if (k->kvn < 0 || k->kvn > 255 || k->enc_len <= 0 || k->enc_len != k->mac_len ||
      k->enc_len != k->dek_len) {
    fprintf(stderr, "%s: no kvn, enc, mac, dek of one length\n", path);
    return -1;
  }
  return 0;
}

static void print_view(const char *name, const uint8_t *p, size_t n) {
  printf(" %s=", name);
  if (p) fwrite(p, 1, n, stdout);
}

/* The procedure's memory (aligned as the widest scalar: C99 has no
   alignas) and the workspace for the card's files. */
static union {
  long double ld;
  uint64_t u64;
  void *ptr;
  uint8_t bytes[SCBOOT_PROCEDURE_MAX_SIZE];
} memory;
static uint8_t workspace[32768];

int main(int argc, char **argv) {
  const char *reader_part = NULL, *keys_path = NULL;
  struct keys k = {0x30, {0}, {0}, {0}, 16, 16, 16};
  scboot_keys keys;
  scboot_config config;
  scboot_procedure *p = NULL;
  scboot_file file;
  scboot_account a;
  SCARDCONTEXT ctx;
  DWORD readers_len = 0, protocol = 0;
  char *readers, *r, *chosen = NULL;
  struct pcsc t;
  int i, code;
  size_t n;

  for (i = 0; i < 16; i++) k.enc[i] = k.mac[i] = k.dek[i] = (uint8_t)(0x40 + i);
  if (scboot_config_default(&config) != SCBOOT_OK) return 1;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--reader") == 0 && i + 1 < argc) {
      reader_part = argv[++i];
    } else if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
      const char *v = argv[++i];
      if (strcmp(v, "off") == 0) config.policy = SCBOOT_POLICY_OFF;
      else if (strcmp(v, "if-offered") == 0) config.policy = SCBOOT_POLICY_IF_OFFERED;
      else if (strcmp(v, "required") == 0) config.policy = SCBOOT_POLICY_REQUIRED;
      else {
        fprintf(stderr, "--policy: off, if-offered or required\n");
        return 2;
      }
    } else if (strcmp(argv[i], "--basic-channel") == 0) {
      config.basic_channel = 1;
    } else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc) {
      keys_path = argv[++i];
    } else {
      fprintf(stderr, "usage: %s [--reader NAME] [--policy off|if-offered|required] "
                      "[--basic-channel] [--keys FILE]\n", argv[0]);
      return 2;
    }
  }
  if (keys_path && load_keys(keys_path, &k) != 0) return 1;
  keys.kvn = (uint8_t)k.kvn;
  keys.key_len = (size_t)k.enc_len;
  keys.enc = k.enc;
  keys.mac = k.mac;
  keys.dek = k.dek;
  /* A fresh host challenge for every run (a device takes it from its RNG). */
  {
    FILE *rnd = fopen("/dev/urandom", "rb");
    if (!rnd || fread(config.host_challenge, 1, 16, rnd) != 16) {
      fprintf(stderr, "no random host challenge\n");
      return 1;
    }
    fclose(rnd);
  }

  if (SCardEstablishContext(SCARD_SCOPE_USER, NULL, NULL, &ctx) != SCARD_S_SUCCESS) {
    fprintf(stderr, "the PC/SC service (pcscd) is not running\n");
    return 1;
  }
  if (SCardListReaders(ctx, NULL, NULL, &readers_len) != SCARD_S_SUCCESS ||
      !(readers = malloc(readers_len)) ||
      SCardListReaders(ctx, NULL, readers, &readers_len) != SCARD_S_SUCCESS) {
    fprintf(stderr, "no PC/SC reader\n");
    return 1;
  }
  for (r = readers; *r; r += strlen(r) + 1) {
    if (!reader_part || strstr(r, reader_part)) {
      chosen = r;
      break;
    }
  }
  if (!chosen) {
    fprintf(stderr, "no PC/SC reader matches \"%s\"\n", reader_part ? reader_part : "");
    return 1;
  }
  if (SCardConnect(ctx, chosen, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                   &t.card, &protocol) != SCARD_S_SUCCESS) {
    fprintf(stderr, "no card in reader \"%s\"\n", chosen);
    return 1;
  }
  t.pci = protocol == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
  /* One transaction around the whole procedure: no other program's APDU
     comes between ours inside the SCP03 session. */
  SCardBeginTransaction(t.card);
  code = scboot_run(memory.bytes, sizeof memory.bytes, &keys, &config, workspace, sizeof workspace,
                    transmit, &t, 0x81, NULL, 0, &p);
  SCardEndTransaction(t.card, SCARD_LEAVE_CARD);
  SCardDisconnect(t.card, SCARD_LEAVE_CARD);
  SCardReleaseContext(ctx);
  free(readers);
  if (code != SCBOOT_DONE) {
    fprintf(stderr, "scboot: %s (%d)\n", scboot_strerror(code), code);
    if (p) scboot_procedure_clear(p);
    return 1;
  }
  if (scboot_procedure_file(p, &file) != SCBOOT_OK) return 1;
  for (n = 0; (code = scboot_file_account(&file, n, &a)) == SCBOOT_OK; n++) {
    printf("instance=%u", (unsigned)a.security_instance);
    print_view("uri", a.uri, a.uri_len);
    printf(" bootstrap_server=%u security_mode=%d short_server_id=%d",
           (unsigned)a.bootstrap_server, (int)a.security_mode, (int)a.short_server_id);
    if (a.has_server) printf(" lifetime=%lld", (long long)a.lifetime);
    print_view("identity", a.identity, a.identity_len);
    printf(" secret_key_len=%lu\n", (unsigned long)a.secret_key_len);
  }
  scboot_procedure_clear(p);
  if (code != SCBOOT_ERR_INDEX) {
    fprintf(stderr, "scboot: account %lu: %s\n", (unsigned long)n, scboot_strerror(code));
    return 1;
  }
  return 0;
}
