import { useEffect, useRef, useState } from 'react';
import { useSocketConnected } from '@/lib/socket-context';

/** 'lost' while disconnected after having been connected; 'restored' for a few seconds after it comes back. */
export function useConnectionNotice(): 'lost' | 'restored' | null {
  const connected = useSocketConnected();
  const wasConnected = useRef(false);
  const [notice, setNotice] = useState<'lost' | 'restored' | null>(null);
  useEffect(() => {
    if (!connected) {
      if (wasConnected.current) setNotice('lost');
      return;
    }
    const lost = wasConnected.current === true && notice === 'lost';
    wasConnected.current = true;
    if (!lost) return;
    setNotice('restored');
    const timer = setTimeout(() => setNotice(null), 5000);
    return () => clearTimeout(timer);
  }, [connected]);
  return notice;
}
