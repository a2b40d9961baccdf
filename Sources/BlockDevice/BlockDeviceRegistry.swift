import FoundationEssentials
import Synchronization

/// Something that happened to a registered device.
public enum BlockDeviceEvent: Sendable {
    /// The device was unregistered (hot-remove): logical units on it must fail further commands.
    case removed(any BlockDevice)
    /// The device changed size: logical units on it report CAPACITY DATA HAS CHANGED.
    case resized(any BlockDevice)
}

/// Identifies an observer registered with ``BlockDeviceRegistry/addObserver(_:)``.
public struct ObserverToken: Sendable, Hashable {
    fileprivate let id: UInt64
}

extension BlockDevice {
    /// The names other than ``BlockDevice/name`` the device can be looked up by: its UUID in lowercase, as
    /// SPDK prints it in `bdev_get_bdevs`'s `aliases`.
    public var aliases: [String] {
        [self.uuid.uuidString.lowercased()]
    }
}

/// The registered devices, in creation order, with unique names and aliases, and events for observers.
///
/// Safe to use from any thread. Observers run synchronously on the thread that caused the event, after the
/// registry's lock is released, so they may call back into the registry.
public final class BlockDeviceRegistry: Sendable {
    private struct State {
        var devices: [any BlockDevice] = []
        var byName: [String: any BlockDevice] = [:]
        var observers: [ObserverToken: @Sendable (BlockDeviceEvent) -> Void] = [:]
        var nextObserverID: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Creates an empty registry.
    public init() {}

    /// Adds `device` under its name and aliases.
    ///
    /// - Throws: ``BlockDeviceError/exists`` when its name or an alias is already a name or alias of another
    ///   device.
    public func register(_ device: any BlockDevice) throws(BlockDeviceError) {
        let keys = [device.name] + device.aliases
        try self.state.withLock { state throws(BlockDeviceError) in
            guard Set(keys).count == keys.count, keys.allSatisfy({ state.byName[$0] == nil }) else {
                throw .exists
            }
            state.devices.append(device)
            for key in keys {
                state.byName[key] = device
            }
        }
    }

    /// The device with this name or alias (a UUID matches in any letter case).
    public func device(named nameOrAlias: String) -> (any BlockDevice)? {
        self.state.withLock { state in
            if let device = state.byName[nameOrAlias] {
                return device
            }
            guard let uuid = UUID(uuidString: nameOrAlias) else {
                return nil
            }
            return state.byName[uuid.uuidString.lowercased()]
        }
    }

    /// Every registered device, in creation order.
    public var devices: [any BlockDevice] {
        self.state.withLock { $0.devices }
    }

    /// Removes the device with this name or alias and notifies observers with ``BlockDeviceEvent/removed(_:)``.
    ///
    /// - Throws: ``BlockDeviceError/notFound`` when no device has that name or alias.
    @discardableResult
    public func unregister(named nameOrAlias: String) throws(BlockDeviceError) -> any BlockDevice {
        guard let device = self.device(named: nameOrAlias) else {
            throw .notFound
        }
        let (removed, observers) = self.state.withLock { state in
            guard let index = state.devices.firstIndex(where: { $0 === device }) else {
                return (false, Array(state.observers.values))
            }
            state.devices.remove(at: index)
            for key in [device.name] + device.aliases {
                state.byName[key] = nil
            }
            return (true, Array(state.observers.values))
        }
        // Another thread unregistered it between the lookup and the removal.
        guard removed else {
            throw .notFound
        }
        for observer in observers {
            observer(.removed(device))
        }
        return device
    }

    /// Notifies observers that `device` changed size.
    public func notifyResized(_ device: any BlockDevice) {
        let observers = self.state.withLock { Array($0.observers.values) }
        for observer in observers {
            observer(.resized(device))
        }
    }

    /// Registers `observer` for every future event; keep the token to remove it.
    public func addObserver(_ observer: @escaping @Sendable (BlockDeviceEvent) -> Void) -> ObserverToken {
        self.state.withLock { state in
            let token = ObserverToken(id: state.nextObserverID)
            state.nextObserverID += 1
            state.observers[token] = observer
            return token
        }
    }

    /// Stops delivering events to the observer registered under `token`.
    public func removeObserver(_ token: ObserverToken) {
        _ = self.state.withLock { $0.observers.removeValue(forKey: token) }
    }
}
