import { REAL_LOG_SYNC, type LogSync } from '@quill/storage';

/** A disk whose fsyncs start failing with EIO when a test says so (real fsyncs until then). */
export class FailingSync implements LogSync {
  failing = false;

  segmentData(fd: number): Promise<void> {
    return this.failing ? Promise.reject(eio('fdatasync')) : REAL_LOG_SYNC.segmentData(fd);
  }

  directory(dir: string): Promise<void> {
    return this.failing ? Promise.reject(eio('fsync')) : REAL_LOG_SYNC.directory(dir);
  }
}

function eio(syscall: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`EIO: i/o error, ${syscall}`);
  error.code = 'EIO';
  error.syscall = syscall;
  return error;
}
