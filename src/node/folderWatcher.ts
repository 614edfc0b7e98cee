/**
 * Watches one folder on local disk for changes to the files directly in it, with Node's `fs.watch` (inotify on
 * Linux), including a folder that does not exist yet or is deleted and created again.
 *
 * Why not VS Code's `createFileSystemWatcher`: inside a workspace folder, VS Code reports extension watchers'
 * events from its recursive workspace watcher (@parcel/watcher), whose Linux backend can miss the files of a
 * folder created or re-created while it runs (parcel-bundler/watcher#97, "folders created via `mkdir -p` not
 * watched recursively", and #243, "missing file events when created inside a new directory"; both open). The run
 * log's folder is exactly such a folder: the first run creates `.promptlab/runs`, and a clean checkout or a
 * `git clean` removes and brings it back. Watching the folder itself does not depend on that.
 *
 * Does not import `vscode`: the unit tests run it in plain Node. The desktop platform (src/desktop/platform.ts)
 * gives it to the Runs view; the web one watches with `createFileSystemWatcher` instead.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Which folder is at `dir` (inode and birth time in ns: a folder deleted and made again at once often gets the same
 * inode back), or undefined when there is none.
 */
function folderIdentity(dir: string): string | undefined {
  try {
    const stat = fs.statSync(dir, { bigint: true });
    return stat.isDirectory() ? `${stat.ino}:${stat.birthtimeNs}` : undefined;
  } catch {
    return undefined;
  }
}

export class FolderWatcher {
  private watcher: fs.FSWatcher | undefined;
  /** The identity of the folder being watched (undefined while an ancestor is watched instead). */
  private identity: string | undefined;
  private disposed = false;

  /**
   * @param folder absolute path of the folder to watch (it need not exist).
   * @param onChange called when a file directly in `folder` whose name passes `accept` is created, changed or
   *   deleted, and when the folder itself appears, is deleted or is replaced; calls are not debounced, and one change
   *   may give several.
   * @param accept which file names count (default: all).
   */
  constructor(private readonly folder: string, private readonly onChange: () => void, private readonly accept: (name: string) => boolean = () => true) {
    this.arm();
  }

  /** Whether the folder itself is watched now (not an ancestor waiting for it to appear). For tests. */
  get watchingFolder(): boolean {
    return this.identity !== undefined;
  }

  /**
   * Watch the folder if it exists, else its nearest existing ancestor, to come back here when something changes
   * there. Returns whether the folder itself is watched.
   */
  private arm(): boolean {
    this.watcher?.close();
    this.watcher = undefined;
    this.identity = undefined;
    if (this.disposed) return false;
    let target = this.folder;
    let identity = folderIdentity(target);
    while (identity === undefined) {
      const parent = path.dirname(target);
      if (parent === target) return false; // nothing of the path exists: nothing to watch
      target = parent;
      identity = folderIdentity(target);
    }
    const atFolder = target === this.folder;
    try {
      const watcher = fs.watch(target, { persistent: false }, (event, name) => this.changed(atFolder, event, name ?? undefined));
      this.watcher = watcher;
      // A watch that cannot go on: look again from the top if the folder it watched is gone or replaced; else stop
      // (an error that would come back each time must not loop).
      watcher.on('error', () => {
        if (this.watcher !== watcher) return;
        if (folderIdentity(target) !== identity) this.rearm();
        else this.stop();
      });
    } catch {
      return false; // unreadable or out of watches: the view's Refresh button is left
    }
    if (atFolder) this.identity = identity;
    return atFolder;
  }

  private changed(atFolder: boolean, event: string, name: string | undefined): void {
    if (this.disposed) return;
    // Node reports the watched folder's own deletion or move as a 'rename' of its name: the watch is over then.
    const self = event === 'rename' && name === path.basename(this.folder);
    if (atFolder && !self && folderIdentity(this.folder) === this.identity) {
      if (name === undefined || this.accept(name)) this.onChange();
      return;
    }
    // An ancestor changed (the folder, or a folder on the way to it, may have appeared), or the folder was deleted
    // or replaced: watch again from where the path exists now.
    this.rearm();
  }

  private rearm(): void {
    if (this.disposed) return;
    const wasAtFolder = this.identity !== undefined;
    const atFolder = this.arm();
    // The folder appeared, went or was replaced: its files may have changed with it.
    if (atFolder || wasAtFolder) this.onChange();
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.identity = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.stop();
  }
}
