/*
 * unsynced-fs: a passthrough FUSE filesystem that remembers what has not been fsynced, so a test
 * can make a directory tree look exactly as a power loss would leave it (the idea of Jepsen's
 * LazyFS; written for Quill's tests).
 *
 *   unsynced-fs <store-dir> <mountpoint>
 *
 * Files live in <store-dir>/root; <store-dir>/trash keeps unlinked entries until they are durable.
 * Every write goes straight through to the backing file (no writeback cache), and the daemon keeps
 * undo information since the last sync:
 *   - per file (by backing inode): its size at the last fsync/fdatasync, and the old bytes of every
 *     synced range overwritten or truncated away since (each byte saved once, at its first change);
 *   - per directory: the entry operations (create, mkdir, symlink, link, unlink, rmdir, rename)
 *     not yet followed by an fsync of the directory (for a rename: of its destination directory).
 * Writing `crash` to the control file /.unsynced-fs (at the mount root, absent from listings)
 * restores every file to its last synced content and undoes every entry operation not yet durable,
 * newest first; afterwards everything on the backing store counts as durable. Call it only when no
 * process uses the mount. `stats` reports the pending undo. Both answer one JSON line, read back
 * from the same open file. The daemon itself never syncs the backing disk: durability is modelled.
 *
 * Single-threaded (-s): every operation, `crash` included, runs alone, so the state needs no locks.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <signal.h>
#include <unistd.h>

#define CONTROL_NAME "/.unsynced-fs"
/* A file handle no backing descriptor can have: the control file's. */
#define CONTROL_FH UINT64_MAX
#define RESPONSE_MAX 512

static int root_fd = -1;
static int trash_fd = -1;
static uint64_t next_trash = 0;
static char response[RESPONSE_MAX];
static size_t response_len = 0;

static struct {
  uint64_t syncs, dir_syncs, crashes;
} counters;

/* ---------- per-file undo ---------- */

struct saved {
  off_t off;
  size_t len;
  char *data;
};

struct file_undo {
  ino_t ino;
  int fd; /* our own O_RDWR descriptor: restoring works wherever the inode is by then */
  off_t synced_size;
  struct saved *saves; /* sorted by offset, disjoint */
  size_t nsaves, cap;
};

static struct file_undo *files = NULL;
static size_t nfiles = 0, files_cap = 0;

static void *xrealloc(void *p, size_t size) {
  void *q = realloc(p, size);
  if (q == NULL) {
    fprintf(stderr, "unsynced-fs: out of memory\n");
    abort();
  }
  return q;
}

static void free_file_undo(struct file_undo *f) {
  for (size_t i = 0; i < f->nsaves; i++) free(f->saves[i].data);
  free(f->saves);
  close(f->fd);
}

static struct file_undo *find_file(ino_t ino, size_t *index) {
  for (size_t i = 0; i < nfiles; i++) {
    if (files[i].ino == ino) {
      if (index != NULL) *index = i;
      return &files[i];
    }
  }
  return NULL;
}

/* The undo record of the file behind `fd`; a file without one has nothing unsynced, so its current size is its synced size. */
static struct file_undo *file_for(int fd, const struct stat *st) {
  struct file_undo *f = find_file(st->st_ino, NULL);
  if (f != NULL) return f;
  int own = dup(fd);
  if (own < 0) return NULL;
  if (nfiles == files_cap) {
    files_cap = files_cap == 0 ? 64 : files_cap * 2;
    files = xrealloc(files, files_cap * sizeof *files);
  }
  f = &files[nfiles++];
  memset(f, 0, sizeof *f);
  f->ino = st->st_ino;
  f->fd = own;
  f->synced_size = st->st_size;
  return f;
}

/* Reads the old bytes of [off, off+len) into a new save at `at`, or onto the end of the save before it when adjacent. */
static int save_gap(struct file_undo *f, size_t at, off_t off, size_t len) {
  char *buf;
  if (at > 0 && f->saves[at - 1].off + (off_t)f->saves[at - 1].len == off) {
    struct saved *prev = &f->saves[at - 1];
    prev->data = xrealloc(prev->data, prev->len + len);
    buf = prev->data + prev->len;
    ssize_t n = pread(f->fd, buf, len, off);
    if (n != (ssize_t)len) return n < 0 ? -errno : -EIO;
    prev->len += len;
    return 0;
  }
  buf = xrealloc(NULL, len);
  ssize_t n = pread(f->fd, buf, len, off);
  if (n != (ssize_t)len) {
    free(buf);
    return n < 0 ? -errno : -EIO;
  }
  if (f->nsaves == f->cap) {
    f->cap = f->cap == 0 ? 8 : f->cap * 2;
    f->saves = xrealloc(f->saves, f->cap * sizeof *f->saves);
  }
  memmove(&f->saves[at + 1], &f->saves[at], (f->nsaves - at) * sizeof *f->saves);
  f->saves[at] = (struct saved){.off = off, .len = len, .data = buf};
  f->nsaves++;
  return 0;
}

/* Before [from, to) changes: keeps the synced bytes in that range not kept already. */
static int save_range(struct file_undo *f, off_t from, off_t to, off_t current_size) {
  off_t limit = f->synced_size < current_size ? f->synced_size : current_size;
  if (to > limit) to = limit;
  if (from >= to) return 0;
  size_t i = 0;
  while (i < f->nsaves && f->saves[i].off + (off_t)f->saves[i].len <= from) i++;
  off_t pos = from;
  while (pos < to) {
    if (i < f->nsaves && f->saves[i].off <= pos) {
      off_t end = f->saves[i].off + (off_t)f->saves[i].len;
      if (end > pos) pos = end;
      i++;
      continue;
    }
    off_t gap_end = i < f->nsaves && f->saves[i].off < to ? f->saves[i].off : to;
    size_t before = f->nsaves;
    int rc = save_gap(f, i, pos, (size_t)(gap_end - pos));
    if (rc != 0) return rc;
    if (f->nsaves > before) i++; /* a new save was inserted at i: step over it */
    pos = gap_end;
  }
  return 0;
}

static int tracked_truncate(int fd, off_t size) {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  if (S_ISREG(st.st_mode)) {
    struct file_undo *f = file_for(fd, &st);
    if (f == NULL) return -errno;
    int rc = save_range(f, size, st.st_size, st.st_size);
    if (rc != 0) return rc;
  }
  return ftruncate(fd, size) < 0 ? -errno : 0;
}

/* ---------- per-directory undo ---------- */

enum entry_op { OP_CREATE, OP_MKDIR, OP_UNLINK, OP_RMDIR, OP_RENAME };

struct entry {
  enum entry_op op;
  ino_t sync_ino; /* the directory whose fsync makes this durable */
  int dir_fd;     /* the directory of `name` (the source, for a rename) */
  char *name;
  int dir2_fd; /* a rename's destination directory */
  char *name2;
  char *trash; /* the unlinked entry, or the one a rename replaced */
};

static struct entry *entries = NULL;
static size_t nentries = 0, entries_cap = 0;

static void free_entry(struct entry *e) {
  close(e->dir_fd);
  if (e->dir2_fd >= 0) close(e->dir2_fd);
  free(e->name);
  free(e->name2);
  free(e->trash);
}

static void add_entry(enum entry_op op, int dir_fd, const char *name, int dir2_fd, const char *name2, const char *trash) {
  struct stat st;
  int sync_dir = dir2_fd >= 0 ? dir2_fd : dir_fd;
  if (fstat(sync_dir, &st) < 0) st.st_ino = 0;
  if (nentries == entries_cap) {
    entries_cap = entries_cap == 0 ? 64 : entries_cap * 2;
    entries = xrealloc(entries, entries_cap * sizeof *entries);
  }
  entries[nentries++] = (struct entry){
      .op = op,
      .sync_ino = st.st_ino,
      .dir_fd = dup(dir_fd),
      .name = strdup(name),
      .dir2_fd = dir2_fd >= 0 ? dup(dir2_fd) : -1,
      .name2 = name2 != NULL ? strdup(name2) : NULL,
      .trash = trash != NULL ? strdup(trash) : NULL,
  };
}

/* Removes `name` in `dir_fd` and, for a directory, everything under it. */
static int remove_tree(int dir_fd, const char *name) {
  if (unlinkat(dir_fd, name, 0) == 0) return 0;
  if (errno != EISDIR && errno != EPERM) return -errno;
  int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) return -errno;
  DIR *dp = fdopendir(fd);
  if (dp == NULL) {
    close(fd);
    return -errno;
  }
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(dp)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    int r = remove_tree(dirfd(dp), de->d_name);
    if (r != 0 && rc == 0) rc = r;
  }
  closedir(dp);
  if (unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && rc == 0) rc = -errno;
  return rc;
}

static void purge_trash(void) {
  DIR *dp = fdopendir(dup(trash_fd));
  if (dp == NULL) return;
  rewinddir(dp);
  struct dirent *de;
  while ((de = readdir(dp)) != NULL) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
    remove_tree(trash_fd, de->d_name);
  }
  closedir(dp);
}

/* Moves `name` out of view into the trash; its new name is written to `trash` (32 bytes). */
static int to_trash(int dir_fd, const char *name, char *trash) {
  snprintf(trash, 32, "%llu", (unsigned long long)next_trash++);
  return renameat(dir_fd, name, trash_fd, trash) < 0 ? -errno : 0;
}

/* ---------- the control file ---------- */

static void respond(const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf(response, RESPONSE_MAX, format, args);
  va_end(args);
  response_len = n < 0 ? 0 : (size_t)n < RESPONSE_MAX ? (size_t)n : RESPONSE_MAX - 1;
}

static void undo_error(unsigned long long *errors, const char *what, const char *name, int err) {
  if ((*errors)++ < 20) fprintf(stderr, "unsynced-fs: crash: %s %s: %s\n", what, name, strerror(err));
}

static void crash(void) {
  unsigned long long files_rolled_back = 0, bytes_dropped = 0, bytes_restored = 0, entries_undone = 0, errors = 0;
  /* Content first: it is per inode, wherever the entry operations below leave each inode. */
  for (size_t i = 0; i < nfiles; i++) {
    struct file_undo *f = &files[i];
    struct stat st;
    if (fstat(f->fd, &st) < 0) {
      undo_error(&errors, "fstat", "(file)", errno);
      continue;
    }
    if (st.st_size > f->synced_size) bytes_dropped += (unsigned long long)(st.st_size - f->synced_size);
    if (ftruncate(f->fd, f->synced_size) < 0) undo_error(&errors, "ftruncate", "(file)", errno);
    for (size_t s = 0; s < f->nsaves; s++) {
      if (pwrite(f->fd, f->saves[s].data, f->saves[s].len, f->saves[s].off) != (ssize_t)f->saves[s].len) undo_error(&errors, "pwrite", "(file)", errno);
      bytes_restored += f->saves[s].len;
    }
    if (st.st_size != f->synced_size || f->nsaves > 0) files_rolled_back++;
    free_file_undo(f);
  }
  nfiles = 0;
  /* Entry operations newest first, so each one sees the names as they were when it ran. */
  for (size_t i = nentries; i-- > 0;) {
    struct entry *e = &entries[i];
    int rc = 0;
    switch (e->op) {
      case OP_CREATE:
      case OP_MKDIR:
        rc = remove_tree(e->dir_fd, e->name);
        break;
      case OP_UNLINK:
      case OP_RMDIR:
        rc = renameat2(trash_fd, e->trash, e->dir_fd, e->name, RENAME_NOREPLACE) < 0 ? -errno : 0;
        break;
      case OP_RENAME:
        rc = renameat2(e->dir2_fd, e->name2, e->dir_fd, e->name, RENAME_NOREPLACE) < 0 ? -errno : 0;
        if (rc == 0 && e->trash != NULL) rc = renameat2(trash_fd, e->trash, e->dir2_fd, e->name2, RENAME_NOREPLACE) < 0 ? -errno : 0;
        break;
    }
    if (rc != 0) undo_error(&errors, "undo of", e->name, -rc);
    else entries_undone++;
    free_entry(e);
  }
  nentries = 0;
  purge_trash();
  counters.crashes++;
  respond("{\"filesRolledBack\":%llu,\"bytesDropped\":%llu,\"bytesRestored\":%llu,\"entriesUndone\":%llu,\"undoErrors\":%llu}\n", files_rolled_back,
          bytes_dropped, bytes_restored, entries_undone, errors);
}

static void stats(void) {
  unsigned long long saved = 0, unsynced = 0;
  for (size_t i = 0; i < nfiles; i++) {
    struct stat st;
    for (size_t s = 0; s < files[i].nsaves; s++) saved += files[i].saves[s].len;
    if (fstat(files[i].fd, &st) == 0 && st.st_size > files[i].synced_size) unsynced += (unsigned long long)(st.st_size - files[i].synced_size);
  }
  respond("{\"dirtyFiles\":%zu,\"savedBytes\":%llu,\"unsyncedBytes\":%llu,\"pendingEntries\":%zu,\"syncs\":%llu,\"dirSyncs\":%llu,\"crashes\":%llu}\n", nfiles, saved,
          unsynced, nentries, (unsigned long long)counters.syncs, (unsigned long long)counters.dir_syncs, (unsigned long long)counters.crashes);
}

static int control(const char *command, size_t len) {
  while (len > 0 && (command[len - 1] == '\n' || command[len - 1] == ' ')) len--;
  if (len == 5 && memcmp(command, "crash", 5) == 0) crash();
  else if (len == 5 && memcmp(command, "stats", 5) == 0) stats();
  else {
    respond("{\"error\":\"unknown command\"}\n");
    return -EINVAL;
  }
  return 0;
}

/* ---------- paths ---------- */

static int is_control(const char *path) { return path != NULL && strcmp(path, CONTROL_NAME) == 0; }

/* The backing path relative to root_fd. */
static const char *rel(const char *path) { return path[1] == '\0' ? "." : path + 1; }

/* Opens the parent directory of `path`; `*name` points into `path` at the last component. */
static int open_parent(const char *path, const char **name) {
  const char *slash = strrchr(path, '/');
  *name = slash + 1;
  char parent[PATH_MAX] = ".";
  if (slash != path) {
    size_t len = (size_t)(slash - path - 1);
    if (len >= sizeof parent) return -ENAMETOOLONG;
    memcpy(parent, path + 1, len);
    parent[len] = '\0';
  }
  int fd = openat(root_fd, parent, O_RDONLY | O_DIRECTORY);
  return fd < 0 ? -errno : fd;
}

/* Flags for the backing descriptor: the kernel already placed O_APPEND writes, O_TRUNC is done tracked, and undo needs to read. */
static int backing_flags(int flags) {
  int access = flags & O_ACCMODE;
  flags &= ~(O_ACCMODE | O_APPEND | O_TRUNC | O_CREAT | O_EXCL);
  return flags | (access == O_RDONLY ? O_RDONLY : O_RDWR);
}

/* ---------- operations ---------- */

static void *u_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  cfg->use_ino = 0;
  cfg->nullpath_ok = 1;
  cfg->hard_remove = 1;
  /* The backing files change behind the kernel at a crash: cache no names, attributes or data across opens. */
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->kernel_cache = 0;
  cfg->auto_cache = 0;
  cfg->direct_io = 0;
  /* Every write must reach the daemon when the application makes it. */
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  printf("ready\n");
  fflush(stdout);
  return NULL;
}

static int u_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  if (is_control(path)) {
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    return 0;
  }
  if (path == NULL) return fstat((int)fi->fh, st) < 0 ? -errno : 0;
  return fstatat(root_fd, rel(path), st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int u_access(const char *path, int mask) {
  if (is_control(path)) return 0;
  return faccessat(root_fd, rel(path), mask, 0) < 0 ? -errno : 0;
}

static int u_readlink(const char *path, char *buf, size_t size) {
  ssize_t n = readlinkat(root_fd, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

struct dir_handle {
  DIR *dp;
};

static int u_opendir(const char *path, struct fuse_file_info *fi) {
  int fd = openat(root_fd, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  DIR *dp = fdopendir(fd);
  if (dp == NULL) {
    int err = errno;
    close(fd);
    return -err;
  }
  struct dir_handle *h = xrealloc(NULL, sizeof *h);
  h->dp = dp;
  fi->fh = (uint64_t)(uintptr_t)h;
  return 0;
}

static int u_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset, struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)path;
  (void)offset;
  (void)flags;
  struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
  rewinddir(h->dp);
  struct dirent *de;
  while ((de = readdir(h->dp)) != NULL) {
    struct stat st;
    memset(&st, 0, sizeof st);
    st.st_ino = de->d_ino;
    st.st_mode = (mode_t)(de->d_type << 12);
    if (filler(buf, de->d_name, &st, 0, 0) != 0) break;
  }
  return 0;
}

static int u_releasedir(const char *path, struct fuse_file_info *fi) {
  (void)path;
  struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
  closedir(h->dp);
  free(h);
  return 0;
}

/* A directory's fsync makes its pending entry operations durable: unlinked entries are gone for good. */
static int u_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync;
  struct dir_handle *h = (struct dir_handle *)(uintptr_t)fi->fh;
  struct stat st;
  if (fstat(dirfd(h->dp), &st) < 0) return -errno;
  size_t kept = 0;
  for (size_t i = 0; i < nentries; i++) {
    if (entries[i].sync_ino == st.st_ino) {
      if (entries[i].trash != NULL) remove_tree(trash_fd, entries[i].trash);
      free_entry(&entries[i]);
    } else {
      entries[kept++] = entries[i];
    }
  }
  nentries = kept;
  counters.dir_syncs++;
  return 0;
}

static int u_mkdir(const char *path, mode_t mode) {
  const char *name;
  int pfd = open_parent(path, &name);
  if (pfd < 0) return pfd;
  int rc = mkdirat(pfd, name, mode) < 0 ? -errno : 0;
  if (rc == 0) add_entry(OP_MKDIR, pfd, name, -1, NULL, NULL);
  close(pfd);
  return rc;
}

static int u_unlink(const char *path) {
  if (is_control(path)) return -EPERM;
  const char *name;
  int pfd = open_parent(path, &name);
  if (pfd < 0) return pfd;
  struct stat st;
  char trash[32];
  int rc = fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : S_ISDIR(st.st_mode) ? -EISDIR : 0;
  if (rc == 0) rc = to_trash(pfd, name, trash);
  if (rc == 0) add_entry(OP_UNLINK, pfd, name, -1, NULL, trash);
  close(pfd);
  return rc;
}

static int is_empty_dir(int dir_fd, const char *name) {
  int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) return -errno;
  DIR *dp = fdopendir(fd);
  if (dp == NULL) {
    close(fd);
    return -errno;
  }
  struct dirent *de;
  int rc = 0;
  while ((de = readdir(dp)) != NULL) {
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
      rc = -ENOTEMPTY;
      break;
    }
  }
  closedir(dp);
  return rc;
}

static int u_rmdir(const char *path) {
  const char *name;
  int pfd = open_parent(path, &name);
  if (pfd < 0) return pfd;
  char trash[32];
  int rc = is_empty_dir(pfd, name);
  if (rc == 0) rc = to_trash(pfd, name, trash);
  if (rc == 0) add_entry(OP_RMDIR, pfd, name, -1, NULL, trash);
  close(pfd);
  return rc;
}

static int u_symlink(const char *target, const char *path) {
  const char *name;
  int pfd = open_parent(path, &name);
  if (pfd < 0) return pfd;
  int rc = symlinkat(target, pfd, name) < 0 ? -errno : 0;
  if (rc == 0) add_entry(OP_CREATE, pfd, name, -1, NULL, NULL);
  close(pfd);
  return rc;
}

static int u_link(const char *from, const char *to) {
  const char *name;
  int pfd = open_parent(to, &name);
  if (pfd < 0) return pfd;
  int rc = linkat(root_fd, rel(from), pfd, name, 0) < 0 ? -errno : 0;
  if (rc == 0) add_entry(OP_CREATE, pfd, name, -1, NULL, NULL);
  close(pfd);
  return rc;
}

static int u_rename(const char *from, const char *to, unsigned int flags) {
  if (is_control(from) || is_control(to)) return -EPERM;
  if (flags & ~RENAME_NOREPLACE) return -EINVAL;
  const char *old_name, *new_name;
  int ofd = open_parent(from, &old_name);
  if (ofd < 0) return ofd;
  int nfd = open_parent(to, &new_name);
  if (nfd < 0) {
    close(ofd);
    return nfd;
  }
  struct stat ost, nst;
  char trash[32];
  int replaced = 0;
  int rc = fstatat(ofd, old_name, &ost, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
  if (rc == 0 && fstatat(nfd, new_name, &nst, AT_SYMLINK_NOFOLLOW) == 0) {
    if (flags & RENAME_NOREPLACE) rc = -EEXIST;
    else if (ost.st_ino == nst.st_ino && ost.st_dev == nst.st_dev) rc = 1; /* two names of one file: nothing to do */
    else if (S_ISDIR(nst.st_mode) && !S_ISDIR(ost.st_mode)) rc = -EISDIR;
    else if (!S_ISDIR(nst.st_mode) && S_ISDIR(ost.st_mode)) rc = -ENOTDIR;
    else if (S_ISDIR(nst.st_mode)) rc = is_empty_dir(nfd, new_name);
    if (rc == 0) {
      rc = to_trash(nfd, new_name, trash);
      replaced = rc == 0;
    }
  }
  if (rc == 0 && renameat(ofd, old_name, nfd, new_name) < 0) {
    rc = -errno;
    if (replaced) renameat(trash_fd, trash, nfd, new_name);
  }
  if (rc == 0) add_entry(OP_RENAME, ofd, old_name, nfd, new_name, replaced ? trash : NULL);
  close(ofd);
  close(nfd);
  return rc == 1 ? 0 : rc;
}

static int u_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  if (is_control(path)) return -EPERM;
  if (path == NULL) return fchmod((int)fi->fh, mode) < 0 ? -errno : 0;
  return fchmodat(root_fd, rel(path), mode, 0) < 0 ? -errno : 0;
}

static int u_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  if (is_control(path)) return -EPERM;
  if (path == NULL) return fchown((int)fi->fh, uid, gid) < 0 ? -errno : 0;
  return fchownat(root_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int u_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  if (is_control(path)) return 0;
  if (path == NULL) return futimens((int)fi->fh, tv) < 0 ? -errno : 0;
  return utimensat(root_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int u_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  if (is_control(path)) return 0;
  if (fi != NULL && fi->fh != CONTROL_FH) return tracked_truncate((int)fi->fh, size);
  int fd = openat(root_fd, rel(path), O_RDWR);
  if (fd < 0) return -errno;
  int rc = tracked_truncate(fd, size);
  close(fd);
  return rc;
}

static int u_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
  const char *name;
  int pfd = open_parent(path, &name);
  if (pfd < 0) return pfd;
  int flags = backing_flags(fi->flags);
  int fd = openat(pfd, name, flags | O_CREAT | O_EXCL, mode);
  int rc = 0;
  if (fd >= 0) {
    add_entry(OP_CREATE, pfd, name, -1, NULL, NULL);
  } else if (errno == EEXIST && !(fi->flags & O_EXCL)) {
    fd = openat(pfd, name, flags);
    if (fd < 0) rc = -errno;
    else if (fi->flags & O_TRUNC) rc = tracked_truncate(fd, 0);
  } else {
    rc = -errno;
  }
  close(pfd);
  if (rc != 0) {
    if (fd >= 0) close(fd);
    return rc;
  }
  fi->fh = (uint64_t)fd;
  return 0;
}

static int u_open(const char *path, struct fuse_file_info *fi) {
  if (is_control(path)) {
    fi->fh = CONTROL_FH;
    fi->direct_io = 1;
    return 0;
  }
  int flags = backing_flags(fi->flags);
  if ((fi->flags & O_TRUNC) && (flags & O_ACCMODE) == O_RDONLY) flags = (flags & ~O_ACCMODE) | O_RDWR;
  int fd = openat(root_fd, rel(path), flags);
  if (fd < 0) return -errno;
  if (fi->flags & O_TRUNC) {
    int rc = tracked_truncate(fd, 0);
    if (rc != 0) {
      close(fd);
      return rc;
    }
  }
  fi->fh = (uint64_t)fd;
  return 0;
}

static int u_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  if (fi->fh == CONTROL_FH) {
    if ((size_t)off >= response_len) return 0;
    size_t n = response_len - (size_t)off < size ? response_len - (size_t)off : size;
    memcpy(buf, response + off, n);
    return (int)n;
  }
  ssize_t n = pread((int)fi->fh, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int u_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  if (fi->fh == CONTROL_FH) {
    int rc = control(buf, size);
    return rc != 0 ? rc : (int)size;
  }
  int fd = (int)fi->fh;
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  struct file_undo *f = file_for(fd, &st);
  if (f == NULL) return -errno;
  int rc = save_range(f, off, off + (off_t)size, st.st_size);
  if (rc != 0) return rc;
  ssize_t n = pwrite(fd, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int u_statfs(const char *path, struct statvfs *st) {
  (void)path;
  return fstatvfs(root_fd, st) < 0 ? -errno : 0;
}

static int u_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  if (fi->fh != CONTROL_FH) close((int)fi->fh);
  return 0;
}

/* fsync and fdatasync alike: the file's content as it is now is what a power loss keeps. */
static int u_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync;
  if (fi->fh == CONTROL_FH) return 0;
  struct stat st;
  if (fstat((int)fi->fh, &st) < 0) return -errno;
  size_t index;
  if (find_file(st.st_ino, &index) != NULL) {
    free_file_undo(&files[index]);
    files[index] = files[--nfiles];
  }
  counters.syncs++;
  return 0;
}

static const struct fuse_operations operations = {
    .init = u_init,
    .getattr = u_getattr,
    .access = u_access,
    .readlink = u_readlink,
    .opendir = u_opendir,
    .readdir = u_readdir,
    .releasedir = u_releasedir,
    .fsyncdir = u_fsyncdir,
    .mkdir = u_mkdir,
    .unlink = u_unlink,
    .rmdir = u_rmdir,
    .symlink = u_symlink,
    .link = u_link,
    .rename = u_rename,
    .chmod = u_chmod,
    .chown = u_chown,
    .utimens = u_utimens,
    .truncate = u_truncate,
    .create = u_create,
    .open = u_open,
    .read = u_read,
    .write = u_write,
    .statfs = u_statfs,
    .release = u_release,
    .fsync = u_fsync,
};

static int open_store_dir(const char *store, const char *sub) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", store, sub);
  if (mkdir(path, 0755) < 0 && errno != EEXIST) return -1;
  return open(path, O_RDONLY | O_DIRECTORY);
}

int main(int argc, char *argv[]) {
  if (argc != 3) {
    fprintf(stderr, "usage: unsynced-fs <store-dir> <mountpoint>\n");
    return 2;
  }
  /* Unmount (fuse_main's SIGTERM handler) when the test process that started us dies. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  root_fd = open_store_dir(argv[1], "root");
  trash_fd = open_store_dir(argv[1], "trash");
  if (root_fd < 0 || trash_fd < 0) {
    fprintf(stderr, "unsynced-fs: cannot open the store %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  /* Whatever a previous daemon left in the trash was never restored: nothing names it. */
  purge_trash();
  char *fuse_argv[] = {argv[0], "-f", "-s", "-o", "fsname=unsynced-fs,subtype=unsynced,auto_unmount", argv[2], NULL};
  return fuse_main(6, fuse_argv, &operations, NULL);
}
